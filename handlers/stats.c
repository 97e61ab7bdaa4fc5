/*
 * handlers/stats.c - GET /unified/stats over a window (?window=1h|24h|
 * 7d|30d, default 24h, or ?since=ISO), of one project (?project_id=;
 * a plain key sees only its own): per provider requests (jobs that
 * tried it) and attempts, success rate, fallbacks, p50/p95/p99
 * generation time, mean optimization time, images and bytes; totals
 * (each job once); optimization (characters saved, Ollama vs local,
 * fallback reasons); storage now (images, bytes). SQL over the jobs and
 * images tables (lib/db/jobs.h says each field).
 * Statuses: 200; 400 invalid_query; 403 project_forbidden; 404
 * project_not_found; 503 database_unavailable.
 * Not here: SQL (lib/db/jobs.c).
 */
#include <string.h>

#include "app/auth.h"
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/jobs.h"
#include "lib/gen/genreq.h"

/* Accepted windows and their length in seconds. */
static const struct {
	const char	*name;
	long		 seconds;
} windows[] = {
	{ "1h",		3600 },
	{ "24h",	86400 },
	{ "7d",		7 * 86400 },
	{ "30d",	30 * 86400 },
};

enum err
handle_stats(struct request *req, struct response *res)
{
	const char *w = req_query(req, "window"), *since = req_query(req,
	    "since"), *project = req_query(req, "project_id");
	char buf[32];
	json_t *st = NULL;
	size_t i;
	enum err e;

	if (project != NULL && !genreq_project_ok(project))
		return req_fail(res, ERR_BAD_QUERY, "project_id: must be a "
		    "UUID or 1-64 characters of [a-z0-9-]");
	if (auth_project(req, res, project, true, &project) != ERR_OK)
		return res->err;
	if (since != NULL && !time_iso_check(since))
		return req_fail(res, ERR_BAD_QUERY, "since: must be ISO 8601");
	if (since == NULL) {
		for (i = 0; i < NELEM(windows); i++)
			if (strcmp(w ? w : "24h", windows[i].name) == 0)
				break;
		if (i == NELEM(windows))
			return req_fail(res, ERR_BAD_QUERY, "window: must be "
			    "1h, 24h, 7d or 30d");
		time_iso_from_ms(time_wall_ms() - windows[i].seconds * 1000,
		    buf, sizeof(buf));
		since = buf;
	}
	if ((e = db_jobs_stats(&req->w->db, since, project, &st)) != ERR_OK)
		return e;
	json_object_set_new(st, "since", json_string(since));
	json_object_set_new(st, "window", req_query(req, "since") ?
	    json_null() : json_string(w ? w : "24h"));
	return res_json_take(res, 200, st);
}
