/*
 * lib/auth/keys.h - client API keys: made once and shown once, stored as
 * a SHA-256 and a lookup prefix (api_keys, migration 010), checked on
 * each request with its per-minute count (api_key_usage, shared by every
 * worker and host).
 * Not here: which route needs which scope (app/routes.c), HTTP answers
 * (app/auth.c), the command line (app/keys_cli.c).
 */
#ifndef AUTH_KEYS_H
#define AUTH_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/core/err.h"
#include "lib/db/db.h"

/* "igk_" + 8 hex (the prefix, shown in lists) + "_" + 40 hex (secret). */
#define KEY_TEXT_MAX	64
#define KEY_PREFIX_MAX	16
#define KEY_PROJECT_MAX	65

enum key_scope {
	KEY_SCOPE_NONE		= 0,	/* a public route: no key needed */
	KEY_SCOPE_READ		= 1 << 0,
	KEY_SCOPE_GENERATE	= 1 << 1,
	KEY_SCOPE_ADMIN		= 1 << 2,	/* every scope, every project */
};

struct key_new {
	const char	*project;
	unsigned	 scopes;	/* KEY_SCOPE_* bits */
	const char	*name;		/* "" when none */
	long		 rate_per_min;	/* -1: the service default */
	long		 max_inflight;	/* -1: the service default */
};

/* A checked key. */
struct key_auth {
	char		 id[37];
	char		 project[KEY_PROJECT_MAX];
	unsigned	 scopes;
	long		 rate_per_min;	/* 0 = unlimited */
	long		 max_inflight;	/* 0 = unlimited */
	long		 used;		/* requests this minute, this one too */
	long		 reset_s;	/* seconds until the minute ends */
};

/*
 * Keys checked lately, by the hash of their text: a worker answers known
 * keys from here while the database is unreachable (never while it is
 * up: a revocation takes effect at once). One per worker.
 */
#define KEYS_CACHE_SLOTS	32
struct keys_cache {
	struct {
		char		 hash[65];
		struct key_auth	 key;
		int64_t		 at_ms;		/* monotonic; 0 = free */
	}		 slot[KEYS_CACHE_SLOTS];
	unsigned	 next;			/* the slot to reuse next */
};

/* "generate,read" -> bits; false on an unknown or empty name. */
bool		keys_scopes_parse(const char *list, unsigned *out);
/* Does a key of scopes have scope need? (admin has every scope.) */
bool		keys_scope_has(unsigned scopes, unsigned need);
/*
 * Makes a key for k->project (created when missing) and writes its text
 * into key (shown once: only its hash is kept). ERR_INVALID_FIELD with
 * why for a bad project id.
 */
enum err	keys_create(struct db *db, const struct key_new *k,
		    char key[KEY_TEXT_MAX], char *why, size_t whylen);
/* Every key (never the secret) as a new JSON array in *out. */
enum err	keys_list(struct db *db, json_t **out);
/* Revokes the key of prefix or id; ERR_NOT_FOUND if none. */
enum err	keys_revoke(struct db *db, const char *which);
/*
 * Checks the key text and counts this request in its minute: ERR_OK and
 * *out; ERR_AUTH_INVALID for an unknown or malformed key,
 * ERR_AUTH_REVOKED for a revoked one, ERR_DB_UNAVAILABLE / ERR_DB.
 * def_rate / def_inflight apply to keys without their own limits.
 */
enum err	keys_check(struct db *db, const char *key, long def_rate,
		    long def_inflight, struct key_auth *out);
/* Remembers key (text) as checked at now_ms. */
void		keys_cache_put(struct keys_cache *c, const char *key,
		    const struct key_auth *k, int64_t now_ms);
/* The key (text) checked at most max_age_ms before now_ms, into *out. */
bool		keys_cache_get(const struct keys_cache *c, const char *key,
		    int64_t now_ms, int64_t max_age_ms, struct key_auth *out);
/* Generations of key id now queued or running, into *n. */
enum err	keys_inflight(struct db *db, const char *id, long *n);

#endif
