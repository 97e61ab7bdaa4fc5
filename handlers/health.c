/*
 * handlers/health.c - GET /health: version, uptime, worker pid, database,
 * and the spool when the database is down.
 * Statuses: 200 {"status":"ok"}; 200 {"status":"degraded"} when the
 * database is down but the spool can keep job records (images are
 * served, jobs in flight end and are spooled, prompts are validated by the
 * local compressor; new jobs get 503 + Retry-After one by one); 503
 * {"status":"unavailable"} when neither the database nor the spool can
 * keep a record (spool.error "insufficient_storage" when it is full).
 * A load balancer thus keeps a host that can still serve: the database
 * is shared, pulling every host for its outage helps no one.
 * ?cached=1 reuses a DB check up to 1 s old (benchmarks).
 * Not here: the DB round trip itself (lib/db), the spool (lib/db/spool.c).
 */
#include <unistd.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/db/spool.h"

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

/* The spool's verdict (only asked while the database is down). */
static json_t *
health_spool(const struct config *cfg, enum err *e)
{
	struct spool_stat st;

	*e = spool_room(cfg->spool_dir, cfg->spool_max_bytes);
	spool_stat(cfg->spool_dir, &st);
	return json_pack("{s:b,s:I,s:I,s:I,s:s?}", "ok", *e == ERR_OK,
	    "records", (json_int_t)st.records, "bytes", (json_int_t)st.bytes,
	    "poison", (json_int_t)st.poison, "error", *e == ERR_OK ? NULL :
	    err_code(*e));
}

enum err
handle_health(struct request *req, struct response *res)
{
	struct worker *w = req->w;
	enum err spool_e = ERR_OK;
	json_t *db, *body;
	int ok;

	health_check_db(w, req_query_flag(req, "cached"));
	ok = w->health.db_err == ERR_OK;
	db = ok ? json_pack("{s:b,s:f}", "ok", 1, "latency_ms",
	    w->health.db_ms) : json_pack("{s:b,s:n,s:s}", "ok", 0,
	    "latency_ms", "error", err_code(w->health.db_err));
	body = json_pack("{s:s,s:s,s:I,s:i,s:o}",
	    "status", "ok",
	    "version", IMAGEGEN_VERSION,
	    "uptime_s", (json_int_t)((time_wall_ms() - w->started_wall_ms) /
	    1000),
	    "worker_pid", (int)getpid(),
	    "database", db);
	if (!ok)
		json_object_set_new(body, "spool", health_spool(w->cfg,
		    &spool_e));
	if (!ok)
		json_object_set_new(body, "status", json_string(spool_e ==
		    ERR_OK ? "degraded" : "unavailable"));
	return res_json_take(res, spool_e == ERR_OK ? 200 : 503, body);
}
