/*
 * lib/gen/engine.h - one generation end to end: the plan (explicit
 * provider first, then fallbacks), per-provider retries with back-off and
 * Retry-After, the shared circuit breaker and rate limit, images fetched
 * and stored, and the job record kept in PostgreSQL (or spooled to disk
 * while it is down) from before the first call to the end.
 * Not here: parsing the request and the prompt rules (handlers, lib/prompt).
 */
#ifndef GEN_ENGINE_H
#define GEN_ENGINE_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/db/db.h"
#include "lib/db/provider_configs.h"
#include "lib/http/http.h"
#include "lib/log/log.h"
#include "lib/providers/circuit.h"
#include "lib/gen/genreq.h"
#include "lib/gen/plan.h"

struct prompt_lexicon;

struct metrics_shm;

struct engine_env {
	const struct config		*cfg;
	struct http_client		*http;
	struct http_multi		*multi;		/* generations */
	struct db			*db;
	struct circuit_shm		*circuits;
	struct log			*log;
	const struct prompt_lexicon	*lex;
	struct metrics_shm		*metrics;	/* NULL: not counted */
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

/* One generation: the request and prompt (borrowed), the answer. out.record
 * holds the queued job's record before it starts (the engine goes on with
 * it, and resumes the provider job it names); engine_add() refuses an
 * item without one. */
struct engine_item {
	const struct genreq		*g;
	const struct engine_prompt	*p;
	int64_t				 deadline_ms;	/* monotonic; 0 = config */
	struct engine_out		 out;
	void				*user;		/* the caller's */
};

struct engine;

/* An empty set of generations in flight over env (borrowed); NULL on OOM. */
struct engine	*engine_new(struct engine_env *env);
/* Stops whatever is in flight (records not finished) and frees en. */
void		 engine_free(struct engine *en);
/* Re-reads provider_configs for the generations added after (those in
 * flight keep what they started with). */
void		 engine_refresh(struct engine *en);
/* Starts it (borrowed until engine_step() hands it back). ERR_NOMEM;
 * ERR_INVALID_FIELD for an item without a record. */
enum err	 engine_add(struct engine *en, struct engine_item *it);
/*
 * Moves every generation on, waiting up to max_wait_ms for a transfer,
 * a timed wake-up or input on fd (-1: none). The generations that ended
 * (record finished and saved) go to done[0..return value), at most max.
 */
size_t		 engine_step(struct engine *en, long max_wait_ms, int fd,
		    struct engine_item **done, size_t max);
/* Generations in flight. */
size_t		 engine_busy(const struct engine *en);
/* Ends the generation of job id at once as cancelled; false if not here. */
bool		 engine_cancel(struct engine *en, const char *id);

/* The plan for g without calling anything (?dry_run=1); new reference. */
json_t		*engine_dry_run(struct engine_env *env, const struct genreq *g,
		    char *why, size_t whylen);
/* Would g's plan fail on the request itself (no provider could ever
 * serve it), with provider_configs pcs[0..npcs)? ERR_OK, or the error
 * with why. Nothing is read or called. */
enum err	engine_plan_check(struct engine_env *env, const struct genreq *g,
		    const struct db_provider_config *pcs, size_t npcs,
		    char *why, size_t whylen);

#endif
