/*
 * tests/integration/test_jobs_api.c - GET /unified/jobs, /unified/jobs/{id}
 * and /unified/stats through nginx, on records written with lib/db.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "tests/helpers/itest.h"

static struct config cfg;
static struct log lg;
static struct db db;
static char project[40], ids[3][UUID_STRLEN + 1];

/* ms (wall clock) as ISO 8601 with milliseconds. */
static void
iso_ms(int64_t ms, char *buf, size_t len)
{
	char s[32];

	time_iso_from_ms(ms, s, sizeof(s));
	s[strlen(s) - 1] = '\0';	/* the Z */
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
}

static void
setup(void)
{
	json_t *j;
	int i;
	int64_t t0 = time_wall_ms() - 3;
	char at[40];

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	snprintf(project, sizeof(project), "api-%ld", (long)getpid());
	for (i = 0; i < 3; i++) {
		uuid_make(ids[i]);
		j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:f}],s:f,"
		    "s:[{s:s,s:s,s:s,s:i,s:i,s:s,s:i,s:s}]}", "id", ids[i],
		    "project_id", project, "status", "completed", "provider",
		    "gemini", "prompt_original", "a fox", "attempts", "provider",
		    "gemini", "outcome", "ok", "ms", 100.0 * (i + 1),
		    "generate_ms", 100.0 * (i + 1), "images", "id", ids[i],
		    "provider", "gemini", "local_path", "images/x/gemini/a.png",
		    "width", 8, "height", 8, "format", "png", "bytes", 99,
		    "sha256", "00");
		/* One ms apart, oldest first (no sleep between saves). */
		iso_ms(t0 + i, at, sizeof(at));
		json_object_set_new(j, "created_at", json_string(at));
		cr_assert_eq(db_jobs_save(&db, j), ERR_OK);
		json_decref(j);
	}
}

static void
teardown(void)
{
	itest_db_close(&cfg, &db);
}

TestSuite(jobs_api, .init = setup, .fini = teardown);

Test(jobs_api, list_newest_first_with_pages)
{
	struct itest_res r;
	char path[256];
	const char *next;
	json_t *items;

	snprintf(path, sizeof(path), "/unified/jobs?project_id=%s&limit=2",
	    project);
	itest_get(&r, path);
	cr_assert_eq(r.status, 200, "%s", r.body);
	items = json_object_get(r.json, "items");
	cr_assert_eq(json_array_size(items), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    items, 0), "generation_id")), ids[2]);
	next = itest_str(&r, "next_cursor");
	cr_assert_not_null(next);
	snprintf(path, sizeof(path), "/unified/jobs?project_id=%s&limit=2"
	    "&cursor=%s", project, next);
	itest_res_fini(&r);
	itest_get(&r, path);
	cr_assert_eq(r.status, 200, "%s", r.body);
	items = json_object_get(r.json, "items");
	cr_assert_eq(json_array_size(items), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    items, 0), "generation_id")), ids[0]);
	cr_assert(json_is_null(json_object_get(r.json, "next_cursor")));
	itest_res_fini(&r);
}

Test(jobs_api, one_job_with_images_and_urls)
{
	struct itest_res r;
	char path[128];
	json_t *img;

	snprintf(path, sizeof(path), "/unified/jobs/%s", ids[1]);
	itest_get(&r, path);
	cr_assert_eq(r.status, 200, "%s", r.body);
	img = json_array_get(json_object_get(r.json, "images"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(img, "local_url")),
	    "/storage/images/x/gemini/a.png");
	cr_assert_eq(json_array_size(json_object_get(json_object_get(r.json,
	    "metadata"), "attempts")), 1);
	itest_res_fini(&r);
	itest_get(&r, "/unified/jobs/0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b");
	cr_assert_eq(r.status, 404);
	cr_assert_str_eq(itest_str(&r, "error.code"), "not_found");
	itest_res_fini(&r);
}

/* Each of the n paths is 400 invalid_query. */
static void
assert_400(const char *const *paths, size_t n)
{
	struct itest_res r;
	size_t i;

	for (i = 0; i < n; i++) {
		itest_get(&r, paths[i]);
		cr_assert_eq(r.status, 400, "%s: %ld %s", paths[i], r.status,
		    r.body);
		cr_assert_str_eq(itest_str(&r, "error.code"), "invalid_query");
		itest_res_fini(&r);
	}
}

Test(jobs_api, bad_queries_are_400)
{
	static const char *bad[] = {
		"/unified/jobs?limit=0", "/unified/jobs?limit=abc",
		"/unified/jobs?status=done", "/unified/jobs?since=yesterday",
		"/unified/jobs?project_id=../x", "/unified/jobs?cursor=zzz",
		"/unified/stats?window=2y", "/unified/stats?since=now",
	};

	assert_400(bad, sizeof(bad) / sizeof(bad[0]));
}

/* A day the month lacks and a cursor PostgreSQL cannot take passed the
 * checks and failed in the query: 500 internal_error/database_error. */
Test(jobs_api, impossible_dates_and_cursors_are_400)
{
	static const char *bad[] = {
		"/unified/jobs?since=2026-02-31",
		"/unified/jobs?until=2026-02-29T10:00:00Z",
		"/unified/jobs?since=2026-11-24T10:00:00%2B16:00",
		"/unified/stats?since=2026-04-31",
		"/unified/jobs?cursor=99999999999999999999",
		"/unified/jobs?cursor=99999999999999999999."
		    "3f2b8c1e-1d2a-4c3b-9a8e-7f6d5c4b3a21",
		"/unified/jobs?cursor=9223372036854775807."
		    "3f2b8c1e-1d2a-4c3b-9a8e-7f6d5c4b3a21",
		"/unified/jobs?cursor=1."
		    "------------------------------------",
	};

	assert_400(bad, sizeof(bad) / sizeof(bad[0]));
}

/* Three attempts of this test's own, under a provider name no other job
 * has (attempts are free-form JSON): counted exactly, two ok, one not. */
Test(jobs_api, stats_over_a_window)
{
	struct itest_res r;
	json_t *row, *mine = NULL, *j;
	char name[48], id[UUID_STRLEN + 1];
	size_t i;

	snprintf(name, sizeof(name), "stats-%ld", (long)getpid());
	for (i = 0; i < 3; i++) {
		uuid_make(id);
		j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s,s:f}]}", "id",
		    id, "project_id", project, "status", "completed",
		    "provider", "gemini", "prompt_original", "a fox",
		    "attempts", "provider", name, "outcome", i < 2 ? "ok" :
		    "timeout", "ms", 100.0 * (double)(i + 1));
		cr_assert_eq(db_jobs_save(&db, j), ERR_OK);
		json_decref(j);
	}
	itest_get(&r, "/unified/stats?window=1h");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_array_foreach(json_object_get(r.json, "providers"), i, row)
		if (strcmp(json_string_value(json_object_get(row, "provider")),
		    name) == 0)
			mine = row;
	cr_assert_not_null(mine, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(mine, "requests")), 3,
	    "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(mine, "succeeded")), 2,
	    "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(mine, "fallbacks")), 1,
	    "%s", r.body);
	cr_assert_float_eq(json_number_value(json_object_get(mine,
	    "p50_generation_ms")), 150.0, 1e-6, "%s", r.body);
	itest_res_fini(&r);
}
