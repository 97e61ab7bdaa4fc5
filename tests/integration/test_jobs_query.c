/*
 * tests/integration/test_jobs_query.c - GET /unified/jobs's filters over
 * jobs made for one fresh project (provider=, status= for each state a
 * job shows, since and until around one job, limit at 100 and over it),
 * dates and cursors that cannot be (400, never a database error), and
 * GET /unified/stats for each window and a bad one.
 * Not here: paging through many jobs (test_jobs_api.c), keys and
 * projects (test_auth.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static const char *const async_h[] = { "Content-Type: application/json",
    "Prefer: respond-async", NULL };

/* The project's jobs, oldest first: A gemini completed, B runware_ai
 * completed, C gemini failed (blocked), D cancelled. */
static char project[64];
static char ids[4][64];
static char created[4][64];

static void
job_make(int i, const char *body, long status)
{
	struct itest_res r;

	itest_call(&r, "POST", "/unified/generate", json_h, body, (size_t)-1);
	cr_assert_eq(r.status, status, "%s", r.body);
	snprintf(ids[i], sizeof(ids[i]), "%s", r.status == 200 ?
	    itest_str(&r, "generation_id") : itest_str(&r,
	    "error.generation_id"));
	itest_res_fini(&r);
}

/* A job asked to wait (the sandbox's latency), cancelled at once. */
static void
job_cancelled(int i, const char *body)
{
	struct itest_res r;
	char path[128];

	itest_fault("gemini", "{\"latency_ms\":3000}");
	itest_call(&r, "POST", "/unified/generate", async_h, body,
	    (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(ids[i], sizeof(ids[i]), "%s", itest_str(&r, "generation_id"));
	itest_res_fini(&r);
	snprintf(path, sizeof(path), "/unified/jobs/%s", ids[i]);
	itest_call(&r, "DELETE", path, NULL, NULL, 0);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	itest_fault("gemini", "");
}

/* Percent-encodes what a query value cannot hold as is (+ and :). */
static void
query_enc(const char *v, char *out, size_t len)
{
	size_t o = 0;

	for (; *v && o + 4 < len; v++)
		o += (size_t)(strchr("+:", *v) ? snprintf(out + o, len - o,
		    "%%%02X", (unsigned char)*v) : snprintf(out + o, len - o,
		    "%c", *v));
	out[o] = '\0';
}

/* One project per run of this binary: the tests of a run are children
 * of one criterion process (its pid and start time name the project),
 * the first makes the jobs, the others find them. */
static void
project_name(void)
{
	char path[64], line[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int k;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)getppid());
	if ((f = fopen(path, "r")) != NULL && fgets(line, sizeof(line), f) &&
	    (p = strrchr(line, ')')) != NULL)
		for (k = 2, p = strtok(p + 1, " "); p != NULL && k < 22; k++)
			if ((p = strtok(NULL, " ")) != NULL && k == 21)
				start = strtoull(p, NULL, 10);
	if (f != NULL)
		fclose(f);
	snprintf(project, sizeof(project), "jobs-query-%d-%llu",
	    (int)getppid(), start);
}

static void
jobs_make(void)
{
	char b[512];

#define BODY(p, prompt) (snprintf(b, sizeof(b), "{\"prompt\":\"%s\"," \
	"\"provider\":\"%s\",\"fallback\":false,\"width\":512,\"height\":512,"\
	"\"project_id\":\"%s\"}", prompt, p, project), b)
	itest_faults_clear();
	itest_project_make(project);
	job_make(0, BODY("gemini", "a red kite"), 200);
	job_make(1, BODY("runware_ai", "a red kite"), 200);
	job_make(2, BODY("gemini", "BLOCKME"), 422);
	job_cancelled(3, BODY("gemini", "a slow kite"));
#undef BODY
}

/* Which of A..D job it is (by what it shows), or -1. */
static int
job_letter(const json_t *it)
{
	const char *st = json_string_value(json_object_get(it, "status")),
	    *p = json_string_value(json_object_get(it, "provider"));

	if (st != NULL && strcmp(st, "cancelled") == 0)
		return 3;
	if (st != NULL && strcmp(st, "failed") == 0)
		return 2;
	if (p != NULL && strcmp(p, "runware_ai") == 0)
		return 1;
	return st != NULL && strcmp(st, "completed") == 0 ? 0 : -1;
}

static void
setup(void)
{
	char path[256];
	struct itest_res r;
	size_t i;
	json_t *it;
	int k;

	project_name();
	snprintf(path, sizeof(path), "/unified/jobs?project_id=%s", project);
	itest_get(&r, path);
	if (json_array_size(json_object_get(r.json, "items")) == 0) {
		jobs_make();
		itest_res_fini(&r);
		itest_get(&r, path);
	}
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "items")), 4,
	    "%s", r.body);
	json_array_foreach(json_object_get(r.json, "items"), i, it) {
		cr_assert_eq(k = job_letter(it), 3 - (int)i, "newest first, "
		    "A..D: %s", r.body);
		snprintf(ids[k], sizeof(ids[k]), "%s", json_string_value(
		    json_object_get(it, "generation_id")));
		snprintf(created[k], sizeof(created[k]), "%s",
		    json_string_value(json_object_get(it, "created_at")));
	}
	itest_res_fini(&r);
}

TestSuite(jobs_query, .init = setup);

/* The ids GET /unified/jobs?project_id=..&QUERY lists, as a string of
 * job letters (A..D) newest first, e.g. "CA". */
static void
listed(const char *query, char out[8])
{
	char path[512];
	struct itest_res r;
	json_t *it;
	size_t i, k, n = 0;

	snprintf(path, sizeof(path), "/unified/jobs?project_id=%s&%s", project,
	    query);
	itest_get(&r, path);
	cr_assert_eq(r.status, 200, "%s: %s", query, r.body);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		for (k = 0; k < 4 && n < 7; k++)
			if (strcmp(ids[k], json_string_value(json_object_get(it,
			    "generation_id"))) == 0)
				out[n++] = (char)('A' + k);
	out[n] = '\0';
	itest_res_fini(&r);
}

static void
expect_listed(const char *query, const char *want)
{
	char got[8];

	listed(query, got);
	cr_expect_str_eq(got, want, "%s", query);
}

Test(jobs_query, provider_filter)
{
	expect_listed("provider=runware_ai", "B");
	expect_listed("provider=comfyui", "");
	expect_listed("provider=gemini&status=completed", "A");
}

/* Every state a job shows (README: queued, running, completed, failed,
 * cancelled) can be asked for. */
Test(jobs_query, status_filter_takes_every_state_a_job_shows)
{
	expect_listed("status=completed", "BA");
	expect_listed("status=failed", "C");
	expect_listed("status=cancelled", "D");
	expect_listed("status=queued", "");
	expect_listed("status=running", "");
}

/* since is inclusive, until exclusive, around job B's created_at. */
Test(jobs_query, since_and_until)
{
	char q[256], a[96], b[96], d[96];

	query_enc(created[0], a, sizeof(a));
	query_enc(created[1], b, sizeof(b));
	query_enc(created[3], d, sizeof(d));
	snprintf(q, sizeof(q), "since=%s", b);
	expect_listed(q, "DCB");
	snprintf(q, sizeof(q), "until=%s", b);
	expect_listed(q, "A");
	snprintf(q, sizeof(q), "since=%s&until=%s", a, d);
	expect_listed(q, "CBA");
	expect_listed("since=2000-01-01", "DCBA");
	expect_listed("until=2000-01-01T00:00:00Z", "");
	expect_listed("since=2024-02-29", "DCBA");	/* a leap day */
}

/* limit: 1..100; 101 is refused (not clamped), with the rule. */
Test(jobs_query, limit_100_and_over)
{
	struct itest_res r;

	itest_get(&r, "/unified/jobs?limit=100");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "limit")), 100);
	cr_assert_leq(json_array_size(json_object_get(r.json, "items")), 100);
	itest_res_fini(&r);
	itest_get(&r, "/unified/jobs?limit=101");
	itest_assert_error(&r, 400, "invalid_query");
	cr_assert_not_null(strstr(itest_str(&r, "error.message"), "1..100"));
	itest_res_fini(&r);
}

/* Dates that pass a pattern but are no day, and cursors out of range,
 * are the client's error: 400, never 500 from PostgreSQL. */
Test(jobs_query, impossible_dates_and_cursors_are_400)
{
	static const char *const bad[] = {
		"/unified/jobs?since=2026-02-31",
		"/unified/jobs?until=2026-02-29",	/* 2026 is no leap year */
		"/unified/jobs?since=2026-04-31T10:00:00Z",
		"/unified/jobs?since=2026-11-24T24:00:00Z",
		"/unified/jobs?since=2026-11-24T10:00:00%2B16:00",
		"/unified/jobs?cursor=12345678901234567890."
		    "0b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f",	/* 20 digits */
		"/unified/jobs?cursor=9999999999999999999."
		    "0b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f",	/* 19 digits */
		"/unified/jobs?cursor=253402300800000000."
		    "0b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f",	/* year 10000 */
		"/unified/jobs?cursor=1.not-a-uuid",
		"/unified/stats?since=2026-02-31",
	};
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		itest_get(&r, bad[i]);
		itest_expect_answer(&r, 400, "invalid_query", bad[i]);
		itest_res_fini(&r);
	}
	itest_get(&r, "/unified/jobs?cursor=253402300799999999."
	    "0b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f");
	cr_expect_eq(r.status, 200, "the last cursor there can be: %s",
	    r.body);
	itest_res_fini(&r);
}

/* "2026-11-28T00:43:05Z" as seconds since the epoch, or -1. */
static long
iso_seconds(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return -1;
	return (long)timegm(&tm);
}

/* The requests a provider had in a stats answer. */
static long
stats_requests(const struct itest_res *r, const char *provider)
{
	json_t *p;
	size_t i;

	json_array_foreach(json_object_get(r->json, "providers"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "provider")),
		    provider) == 0)
			return (long)json_integer_value(json_object_get(p,
			    "requests"));
	return 0;
}

/* Each window answers its name and a since that far back (a minute's
 * slack for a slow run); a longer window never counts fewer requests. */
Test(jobs_query, stats_windows)
{
	static const struct { const char *w; long s; } win[] = {
		{ "1h", 3600 }, { "24h", 86400 }, { "7d", 7 * 86400 },
		{ "30d", 30 * 86400 },
	};
	struct itest_res r;
	char path[64];
	long since, prev = 0, n;
	size_t i;

	for (i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		snprintf(path, sizeof(path), "/unified/stats?window=%s",
		    win[i].w);
		itest_get(&r, path);
		cr_assert_eq(r.status, 200, "%s: %s", win[i].w, r.body);
		cr_assert_str_eq(itest_str(&r, "window"), win[i].w);
		since = iso_seconds(itest_str(&r, "since"));
		cr_assert_geq(since, (long)time(NULL) - win[i].s - 60, "%s: %s",
		    win[i].w, r.body);
		cr_assert_leq(since, (long)time(NULL) - win[i].s + 60, "%s: %s",
		    win[i].w, r.body);
		n = stats_requests(&r, "gemini");
		cr_assert_geq(n, prev, "%s: %s", win[i].w, r.body);
		cr_assert_gt(n, 0, "%s: this suite's jobs: %s", win[i].w, r.body);
		prev = n;
		itest_res_fini(&r);
	}
	itest_get(&r, "/unified/stats");
	cr_assert_str_eq(itest_str(&r, "window"), "24h", "%s", r.body);
	itest_res_fini(&r);
	itest_get(&r, "/unified/stats?window=2y");
	itest_assert_error(&r, 400, "invalid_query");
	itest_res_fini(&r);
	itest_get(&r, "/unified/stats?window=");
	itest_assert_error(&r, 400, "invalid_query");
	itest_res_fini(&r);
}
