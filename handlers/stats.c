/*
 * handlers/stats.c - GET /unified/stats: per provider over a window
 * (?window=1h|24h|7d|30d, default 24h, or ?since=ISO): requests, success
 * rate, fallbacks, p50/p95 generation time, mean optimization time,
 * images and bytes stored. Computed by SQL over the jobs table.
 * Statuses: 200; 400 invalid_query; 503 database_unavailable.
 * Not here: SQL (lib/db/jobs.c).
 */
#include <string.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/jobs.h"

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
	    "since");
	char buf[32];
	json_t *rows = NULL;
	size_t i;
	enum err e;

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
	if ((e = db_jobs_stats(&req->w->db, since, &rows)) != ERR_OK)
		return e;
	return res_json_take(res, 200, json_pack("{s:s,s:s?,s:o}", "since",
	    since, "window", req_query(req, "since") ? NULL : (w ? w : "24h"),
	    "providers", rows));
}
