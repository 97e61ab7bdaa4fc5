/*
 * handlers/health.c - GET /health: version, uptime, worker pid, database.
 * Statuses: 200 {"status":"ok"}; 503 {"status":"degraded"} when the
 * database is down. ?cached=1 reuses a DB check up to 1 s old (benchmarks).
 * Not here: the DB round trip itself (lib/db).
 */
#include <unistd.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"

#ifndef IMAGEGEN_VERSION
#define IMAGEGEN_VERSION "dev"
#endif

#define HEALTH_CACHE_MS	1000

static void
health_check_db(struct worker *w, int use_cache)
{
	int64_t now = time_mono_ms();

	if (use_cache && w->health.at_ms != 0 &&
	    now - w->health.at_ms < HEALTH_CACHE_MS)
		return;
	w->health.db_err = db_ping(&w->db, &w->health.db_ms);
	w->health.at_ms = time_mono_ms();
}

enum err
handle_health(struct request *req, struct response *res)
{
	struct worker *w = req->w;
	json_t *db;
	int ok;

	health_check_db(w, req_query_flag(req, "cached"));
	ok = w->health.db_err == ERR_OK;
	db = ok ? json_pack("{s:b,s:f}", "ok", 1, "latency_ms",
	    w->health.db_ms) : json_pack("{s:b,s:n,s:s}", "ok", 0,
	    "latency_ms", "error", err_code(w->health.db_err));
	return res_json_take(res, ok ? 200 : 503, json_pack(
	    "{s:s,s:s,s:I,s:i,s:o}",
	    "status", ok ? "ok" : "degraded",
	    "version", IMAGEGEN_VERSION,
	    "uptime_s", (json_int_t)((time_wall_ms() - w->started_wall_ms) /
	    1000),
	    "worker_pid", (int)getpid(),
	    "database", db));
}
