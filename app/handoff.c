/*
 * app/handoff.c - the answer of a request whose work was queued.
 * Not here: the wait (app/waiter.c), the work (app/runner.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/handoff.h"
#include "app/routes.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"

/* Kinds of queued work -> where a client reads them back. */
static const struct {
	const char	*kind;
	const char	*collection;
} kinds[] = {
	{ "job",	"/unified/jobs" },
	{ "batch",	"/unified/batches" },
	{ "prompt",	"/unified/validate-prompt" },
};

const char *
handoff_collection(const char *kind)
{
	size_t i;

	for (i = 0; i < NELEM(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			return kinds[i].collection;
	return "/unified/jobs";
}

bool
handoff_prefer(const char *h, long *wait_s)
{
	bool async = false;
	const char *p = h;
	char *end;

	*wait_s = -1;
	while (p != NULL && *p != '\0') {
		p += strspn(p, " \t,");
		if (strncasecmp(p, "respond-async", 13) == 0 &&
		    strchr(" \t,;", p[13]) != NULL)
			async = true;
		else if (strncasecmp(p, "wait=", 5) == 0) {
			long v = strtol(p + 5, &end, 10);

			if (end != p + 5 && v >= 0)
				*wait_s = v;
		}
		p = strchr(p, ',');
	}
	return async;
}

enum err
handoff_reply(struct request *req, struct response *res, const char *kind,
    const char *id, long max_wait_s, json_t *view)
{
	char loc[160], uri[512], pa[32];
	const char *h = req_header(req, "Prefer");
	long wait_s;
	bool async = handoff_prefer(h ? h : "", &wait_s);

	snprintf(loc, sizeof(loc), "%s/%s", handoff_collection(kind), id);
	if (async) {
		res_header(res, "Location", loc);
		res_header(res, "Preference-Applied", "respond-async");
		return res_json_take(res, 202, json_incref(view));
	}
	if (wait_s >= 0) {
		wait_s = MIN(wait_s, max_wait_s);
		snprintf(pa, sizeof(pa), "wait=%ld", wait_s);
		res_header(res, "Preference-Applied", pa);
	}
	/* nginx drops this answer's headers: the wait endpoint sets them,
	 * and counts and logs the request when it ends (its route, and
	 * when it came: wall-clock ms). */
	snprintf(uri, sizeof(uri), "/__wait/%s/%s?wait=%ld&rid=%s&cors=%d"
	    "&applied=%d&replayed=%d&route=%zu&t0=%lld", kind, id, wait_s >= 0
	    ? wait_s : max_wait_s, req->id, res_header_get(res,
	    "Access-Control-Allow-Origin") != NULL, wait_s >= 0,
	    res_header_get(res, "Idempotent-Replayed") != NULL,
	    app_route_slot(req->route), (long long)(time_wall_ms() -
	    (time_mono_us() - req->start_us) / 1000));
	res_header(res, "X-Accel-Redirect", uri);
	return res_json_take(res, 200, json_object());
}
