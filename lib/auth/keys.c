/*
 * lib/auth/keys.c - SQL and text of client API keys.
 * Not here: HTTP (app/auth.c), the command line (app/keys_cli.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "lib/auth/keys.h"
#include "lib/core/hash.h"
#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/gen/genreq.h"

#define KEY_HEAD	"igk_"
#define KEY_PREFIX_HEX	8
#define KEY_SECRET_HEX	40

static const struct {
	const char	*name;
	unsigned	 bit;
} scope_names[] = {
	{ "read",	KEY_SCOPE_READ },
	{ "generate",	KEY_SCOPE_GENERATE },
	{ "admin",	KEY_SCOPE_ADMIN },
};

bool
keys_scopes_parse(const char *list, unsigned *out)
{
	const char *p = list;
	size_t n, i;

	*out = 0;
	while (p != NULL && *p != '\0') {
		n = strcspn(p, ",");
		for (i = 0; i < NELEM(scope_names); i++)
			if (strlen(scope_names[i].name) == n &&
			    strncmp(scope_names[i].name, p, n) == 0)
				break;
		if (i == NELEM(scope_names))
			return false;
		*out |= scope_names[i].bit;
		p += n + (p[n] == ',');
	}
	return *out != 0;
}

bool
keys_scope_has(unsigned scopes, unsigned need)
{
	return need == KEY_SCOPE_NONE || (scopes & KEY_SCOPE_ADMIN) != 0 ||
	    (scopes & need) == need;
}

/* Bits -> "{read,generate}" (a PostgreSQL array literal). */
static void
scopes_array(unsigned bits, char *buf, size_t len)
{
	size_t i, o = 0;

	o += (size_t)snprintf(buf, len, "{");
	for (i = 0; i < NELEM(scope_names) && o < len; i++)
		if (bits & scope_names[i].bit)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
			    o > 1 ? "," : "", scope_names[i].name);
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

static void
hex_random(char *out, size_t nhex)
{
	unsigned char b[32];
	size_t i;

	if (RAND_bytes(b, (int)(nhex / 2)) != 1)
		abort();	/* no randomness: never make a guessable key */
	for (i = 0; i < nhex / 2; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
key_limit(long v, char *buf, size_t len, const char **p)
{
	snprintf(buf, len, "%ld", v);
	*p = v < 0 ? NULL : buf;
}

enum err
keys_create(struct db *db, const struct key_new *k, char key[KEY_TEXT_MAX],
    char *why, size_t whylen)
{
	char id[UUID_STRLEN + 1], hash[65], scopes[64], rate[24], infl[24];
	char prefix[KEY_PREFIX_MAX];
	const char *p[8];
	enum err e;

	if (!genreq_project_ok(k->project)) {
		snprintf(why, whylen, "project: must be a UUID or 1-64 "
		    "characters of [a-z0-9-]");
		return ERR_INVALID_FIELD;
	}
	uuid_make(id);
	memcpy(prefix, KEY_HEAD, sizeof(KEY_HEAD) - 1);
	hex_random(prefix + sizeof(KEY_HEAD) - 1, KEY_PREFIX_HEX);
	snprintf(key, KEY_TEXT_MAX, "%s_", prefix);
	hex_random(key + strlen(key), KEY_SECRET_HEX);
	hash_sha256_hex(key, strlen(key), hash);
	scopes_array(k->scopes, scopes, sizeof(scopes));
	key_limit(k->rate_per_min, rate, sizeof(rate), &p[6]);
	key_limit(k->max_inflight, infl, sizeof(infl), &p[7]);
	p[0] = id; p[1] = prefix; p[2] = hash; p[3] = k->project;
	p[4] = scopes; p[5] = k->name;
	e = db_exec(db, "WITH p AS (SELECT imagegen_project_ensure($4)) "
	    "INSERT INTO api_keys (id, prefix, hash, project_id, scopes, name, "
	    "rate_per_min, max_inflight) SELECT $1, $2, $3, $4, $5::text[], "
	    "$6, $7::int, $8::int FROM p", 8, p, NULL);
	if (e != ERR_OK)
		snprintf(why, whylen, "the key could not be stored");
	return e;
}

enum err
keys_list(struct db *db, json_t **out)
{
	PGresult *r = NULL;
	json_error_t je;
	enum err e;

	*out = NULL;
	e = db_exec(db, "SELECT coalesce(json_agg(json_build_object('id', k.id, "
	    "'prefix', k.prefix, 'project_id', k.project_id, 'scopes', k.scopes, "
	    "'name', k.name, 'rate_per_min', k.rate_per_min, 'max_inflight', "
	    "k.max_inflight, 'created_at', k.created_at, 'revoked_at', "
	    "k.revoked_at, 'last_used_minute', (SELECT max(minute) FROM "
	    "api_key_usage u WHERE u.key_id = k.id)) ORDER BY k.created_at), "
	    "'[]') FROM api_keys k", 0, NULL, &r);
	if (e == ERR_OK && (*out = json_loads(PQgetvalue(r, 0, 0), 0,
	    &je)) == NULL)
		e = ERR_NOMEM;
	PQclear(r);
	return e;
}

enum err
keys_revoke(struct db *db, const char *which)
{
	const char *p[1] = { which };
	PGresult *r = NULL;
	enum err e;

	e = db_exec(db, "UPDATE api_keys SET revoked_at = coalesce(revoked_at, "
	    "now()) WHERE prefix = $1 OR id::text = $1 RETURNING id", 1, p, &r);
	if (e == ERR_OK && PQntuples(r) == 0)
		e = ERR_NOT_FOUND;
	PQclear(r);
	return e;
}

/* Does s look like a key? (else no query is made for it) */
static bool
key_shape_ok(const char *s)
{
	size_t n = strlen(KEY_HEAD);

	return strncmp(s, KEY_HEAD, n) == 0 &&
	    strspn(s + n, "0123456789abcdef") == KEY_PREFIX_HEX &&
	    s[n + KEY_PREFIX_HEX] == '_' &&
	    strspn(s + n + KEY_PREFIX_HEX + 1, "0123456789abcdef") ==
	    KEY_SECRET_HEX && s[n + KEY_PREFIX_HEX + 1 + KEY_SECRET_HEX] == '\0';
}

/* The key of hash $1, and this request counted in its minute when the
 * key has a limit. The count is not worth a WAL flush per request (one
 * hot row per key: each would wait for the one before): committed
 * without waiting for the disk, a crash forgets at most this minute's
 * last counts. */
static const char check_sql[] =
    "WITH k AS (SELECT id, project_id, scopes, "
    "coalesce(rate_per_min, $2::int) AS rate, "
    "coalesce(max_inflight, $3::int) AS inflight, "
    "revoked_at IS NOT NULL AS revoked FROM api_keys WHERE hash = $1), "
    "u AS (INSERT INTO api_key_usage AS a (key_id, minute, n) "
    "SELECT id, date_trunc('minute', now()), 1 FROM k WHERE NOT revoked "
    "AND rate > 0 "
    "ON CONFLICT (key_id, minute) DO UPDATE SET n = a.n + 1 RETURNING n) "
    "SELECT k.id, k.project_id, array_to_string(k.scopes, ','), k.rate, "
    "k.inflight, k.revoked, coalesce((SELECT n FROM u), 0), "
    "60 - floor(extract(epoch FROM now()))::bigint % 60, "
    "set_config('synchronous_commit', 'off', true) FROM k";

enum err
keys_check(struct db *db, const char *key, long def_rate, long def_inflight,
    struct key_auth *out)
{
	char hash[65], rate[24], infl[24];
	const char *p[3] = { hash, rate, infl };
	PGresult *r = NULL;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!key_shape_ok(key))
		return ERR_AUTH_INVALID;
	hash_sha256_hex(key, strlen(key), hash);
	snprintf(rate, sizeof(rate), "%ld", def_rate);
	snprintf(infl, sizeof(infl), "%ld", def_inflight);
	if ((e = db_exec_hot(db, check_sql, 3, p, &r)) != ERR_OK)
		goto out;
	if (PQntuples(r) != 1) {
		e = ERR_AUTH_INVALID;
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 5), "t") == 0) {
		e = ERR_AUTH_REVOKED;
		goto out;
	}
	snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
	snprintf(out->project, sizeof(out->project), "%s", PQgetvalue(r, 0, 1));
	if (!keys_scopes_parse(PQgetvalue(r, 0, 2), &out->scopes))
		e = ERR_AUTH_INVALID;
	out->rate_per_min = atol(PQgetvalue(r, 0, 3));
	out->max_inflight = atol(PQgetvalue(r, 0, 4));
	out->used = atol(PQgetvalue(r, 0, 6));
	out->reset_s = atol(PQgetvalue(r, 0, 7));
out:
	PQclear(r);
	return e;
}

enum err
keys_inflight(struct db *db, const char *id, long *n)
{
	const char *p[1] = { id };
	PGresult *r = NULL;
	enum err e;

	*n = 0;
	e = db_exec_hot(db, "SELECT count(*) FROM generation_jobs WHERE "
	    "key_id = $1::uuid AND status IN ('queued', 'running')", 1, p, &r);
	if (e == ERR_OK)
		*n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return e;
}

void
keys_cache_put(struct keys_cache *c, const char *key,
    const struct key_auth *k, int64_t now_ms)
{
	char hash[65];
	unsigned i;

	hash_sha256_hex(key, strlen(key), hash);
	for (i = 0; i < KEYS_CACHE_SLOTS; i++)
		if (strcmp(c->slot[i].hash, hash) == 0)
			break;
	if (i == KEYS_CACHE_SLOTS)
		i = c->next++ % KEYS_CACHE_SLOTS;
	memcpy(c->slot[i].hash, hash, sizeof(hash));
	c->slot[i].key = *k;
	c->slot[i].at_ms = now_ms;
}

bool
keys_cache_get(const struct keys_cache *c, const char *key, int64_t now_ms,
    int64_t max_age_ms, struct key_auth *out)
{
	char hash[65];
	unsigned i;

	hash_sha256_hex(key, strlen(key), hash);
	for (i = 0; i < KEYS_CACHE_SLOTS; i++)
		if (c->slot[i].at_ms != 0 && strcmp(c->slot[i].hash, hash) ==
		    0 && now_ms - c->slot[i].at_ms <= max_age_ms) {
			*out = c->slot[i].key;
			return true;
		}
	return false;
}
