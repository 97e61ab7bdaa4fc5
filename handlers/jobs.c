/*
 * handlers/jobs.c - GET /unified/jobs: job history, newest first.
 * Query: project_id, provider, status, since, until (ISO 8601), limit
 * (1..100, default 20), cursor (from next_cursor).
 * Statuses: 200 {"items":[...],"next_cursor":...|null}; 400
 * invalid_query; 503 database_unavailable.
 * Not here: SQL (lib/db/jobs.c), the item shape (lib/json/jobview.c).
 */
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/db/jobs.h"
#include "lib/json/jobview.h"
#include "lib/gen/genreq.h"
#include "lib/gen/record.h"

/* True when v names a state a job shows (lib/gen/record.c's table). */
static bool
status_known(const char *v)
{
	int st;

	for (st = 0; st < JOB_STATUS__MAX; st++)
		if (strcmp(v, record_status_name((enum job_status)st)) == 0)
			return true;
	return false;
}

/* Reads and checks the query into q; the first bad one fails res. */
static enum err
jobs_query(struct request *req, struct response *res, struct db_jobs_query *q)
{
	const char *lim = req_query(req, "limit");
	char *end;
	long n = 20;

	q->project_id = req_query(req, "project_id");
	q->provider = req_query(req, "provider");
	q->status = req_query(req, "status");
	q->since = req_query(req, "since");
	q->until = req_query(req, "until");
	q->cursor = req_query(req, "cursor");
	if (lim != NULL && ((n = strtol(lim, &end, 10)) < 1 || n > 100 ||
	    *end != '\0' || *lim == '\0'))
		return req_fail(res, ERR_BAD_QUERY, "limit: must be 1..100");
	q->limit = (int)n;
	if (q->project_id && !genreq_project_ok(q->project_id))
		return req_fail(res, ERR_BAD_QUERY, "project_id: must be a "
		    "UUID or 1-64 characters of [a-z0-9-]");
	if (auth_project(req, res, q->project_id, true, &q->project_id) !=
	    ERR_OK)
		return res->err;
	if (q->status && !status_known(q->status))
		return req_fail(res, ERR_BAD_QUERY, "status: must be pending, "
		    "queued, running, completed, failed or cancelled");
	if (q->provider && (strlen(q->provider) > 32 || !*q->provider))
		return req_fail(res, ERR_BAD_QUERY, "provider: too long");
	if ((q->since && !time_iso_check(q->since)) ||
	    (q->until && !time_iso_check(q->until)))
		return req_fail(res, ERR_BAD_QUERY, "since/until: must be ISO "
		    "8601, e.g. 2026-11-24T10:00:00Z");
	return ERR_OK;
}

enum err
handle_jobs(struct request *req, struct response *res)
{
	struct db_jobs_query q;
	char next[DB_CURSOR_MAX];
	json_t *items = NULL, *views, *v;
	size_t i;
	enum err e;

	memset(&q, 0, sizeof(q));
	if ((e = jobs_query(req, res, &q)) != ERR_OK)
		return e;
	e = db_jobs_list(&req->w->db, &q, &items, next);
	if (e == ERR_BAD_QUERY)
		return req_fail(res, e, "cursor: not one this service gave");
	if (e != ERR_OK)
		return e;
	views = json_array();
	json_array_foreach(items, i, v)
		json_array_append_new(views, jobview_render(v,
		    req->w->cfg->public_base_url));
	json_decref(items);
	return res_json_take(res, 200, json_pack("{s:o,s:o,s:i}", "items",
	    views, "next_cursor", next[0] ? json_string(next) : json_null(),
	    "limit", q.limit));
}
