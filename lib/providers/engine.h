/*
 * lib/providers/engine.h - one generation end to end: the plan (explicit
 * provider first, then fallbacks), per-provider retries with back-off and
 * Retry-After, the shared circuit breaker and rate limit, images fetched
 * and stored, and the job record kept in PostgreSQL (or spooled to disk
 * while it is down) from before the first call to the end.
 * Not here: parsing the request and the prompt rules (handlers, lib/prompt).
 */
#ifndef PROVIDERS_ENGINE_H
#define PROVIDERS_ENGINE_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/db/db.h"
#include "lib/http/http.h"
#include "lib/log/log.h"
#include "lib/providers/circuit.h"
#include "lib/providers/genreq.h"
#include "lib/providers/plan.h"

struct prompt_lexicon;

struct engine_env {
	const struct config		*cfg;
	struct http_client		*http;
	struct http_multi		*multi;		/* generations */
	struct db			*db;
	struct circuit_shm		*circuits;
	struct log			*log;
	const struct prompt_lexicon	*lex;
};

struct engine_prompt {
	const char	*original;
	const char	*final;		/* after optimization */
	json_t		*meta;		/* borrowed: validation + analysis */
	double		 optimize_ms;
};

struct engine_out {
	json_t		*record;	/* the job record (owned) */
	enum err	 err;		/* ERR_OK: images stored */
	char		 message[512];
	long		 retry_after_s;	/* -1 when none */
};

/* One generation of a run: the request and prompt (borrowed), the answer. */
struct engine_item {
	const struct genreq		*g;
	const struct engine_prompt	*p;
	struct engine_out		 out;
};

/*
 * Runs the n generations of items at once: each is a state machine and
 * one loop moves them all over env->multi (curl multi), so a batch takes
 * about as long as its slowest item. Each item's out is filled as
 * engine_run() fills one; ERR_NOMEM only when nothing could start.
 */
enum err	engine_run_many(struct engine_env *env, struct engine_item *items,
		    size_t n);
/*
 * Runs the generation g with prompt p. Always fills out->record (caller
 * json_decref()s); returns out->err. A database outage never fails the
 * generation: the record is spooled and carries a warning.
 */
enum err	engine_run(struct engine_env *env, const struct genreq *g,
		    const struct engine_prompt *p, struct engine_out *out);
/* The plan for g without calling anything (?dry_run=1); new reference. */
json_t		*engine_dry_run(struct engine_env *env, const struct genreq *g,
		    char *why, size_t whylen);
/* Writes spooled records back once the database answers (throttled). */
void		engine_spool_replay(struct engine_env *env);

#endif
