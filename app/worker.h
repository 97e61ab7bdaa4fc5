/*
 * app/worker.h - struct worker: everything one worker process owns
 * (config pointer, logger, DB connection, compiled routes, caches),
 * and the worker's accept loop.
 * Not here: forking and respawning (master.c), one request (serve.c).
 */
#ifndef APP_WORKER_H
#define APP_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/router.h"
#include "app/routes.h"
#include "lib/auth/keys.h"
#include "lib/config/config.h"
#include "lib/db/db.h"
#include "lib/db/provider_configs.h"
#include "lib/gen/plan.h"
#include "lib/http/http.h"
#include "lib/log/log.h"
#include "lib/ollama/ollama.h"
#include "lib/providers/circuit.h"

struct prompt_lexicon;

struct worker_health {
	int64_t		 at_ms;		/* monotonic time of the last check */
	enum err	 db_err;
	double		 db_ms;
};

/* A provider health result, cached briefly (GET /unified/providers). */
struct worker_prov_health {
	int64_t		 at_ms;		/* monotonic; 0 = never */
	enum err	 err;
	double		 ms;
	char		 why[160];
};

/* provider_configs as last read, for checking requests (the runner reads
 * them afresh for each claim). */
struct worker_pcs {
	int64_t				 at_ms;	/* monotonic; 0 = never */
	size_t				 n;
	struct db_provider_config	 v[PLAN_MAX];
};

struct worker {
	const struct config	*cfg;		/* borrowed, read-only */
	struct log		 log;
	struct db		 db;
	struct router		 router;
	int64_t			 started_wall_ms;	/* service start */
	unsigned long		 served;
	struct worker_health	 health;	/* cached /health DB check */
	struct http_client	 http;		/* outbound calls, one at a time */
	struct http_multi	 multi;		/* generations, many at a time */
	struct ollama		 ollama;
	struct prompt_lexicon	*lexicon;	/* word lists */
	struct circuit_shm	*circuits;	/* shared, from the master */
	struct metrics_shm	*metrics;	/* shared, from the master */
	struct app_route_labels	 labels;	/* of the routes */
	struct worker_prov_health prov_health[8];
	struct worker_pcs	 pcs;
	struct keys_cache	 keys;		/* for database outages */
	volatile sig_atomic_t	*stop;		/* set by SIGTERM */
};

/*
 * Builds w for cfg (borrowed). Log lines go to logfd. On failure returns
 * an error with why set; caller frees with worker_fini() either way.
 */
enum err	worker_init(struct worker *w, const struct config *cfg,
		    int logfd, int64_t started_wall_ms, char *why,
		    size_t whylen);
void		worker_fini(struct worker *w);
/*
 * The worker process: accept loop on the FastCGI socket (fd 0) until
 * SIGTERM or max_requests. Never returns; exits 0 on a normal end.
 */
void		worker_run(const struct config *cfg, int logfd,
		    int64_t started_wall_ms, struct circuit_shm *circuits,
		    struct metrics_shm *metrics) __attribute__((noreturn));

#endif
