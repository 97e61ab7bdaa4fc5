/*
 * tests/integration/test_selection.c - "auto" selection through nginx:
 * weights spread the first choice, a per-minute rate limit spills over to
 * the next provider and then answers 429 with Retry-After, and the stats
 * count what this test generated. provider_configs is changed with SQL
 * for the test and restored after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/db/db.h"
#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static struct config cfg;
static struct log lg;
static struct db db;

static void
setup(void)
{
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	itest_configs_save(&db);
}

static void
teardown(void)
{
	itest_configs_restore(&db);
	itest_db_close(&cfg, &db);
}

TestSuite(selection, .init = setup, .fini = teardown);

static const char *
generate(const char *body, long *status)
{
	static char prov[32];
	struct itest_res r;

	itest_call(&r, "POST", "/unified/generate", json_h, body, (size_t)-1);
	*status = r.status;
	snprintf(prov, sizeof(prov), "%s", itest_str(&r, "provider") ?
	    itest_str(&r, "provider") : "");
	itest_res_fini(&r);
	return prov;
}

/* How much of this minute's rate window a provider has used. */
static int
used_this_minute(const char *provider)
{
	struct itest_res r;
	json_t *p;
	size_t i;
	int used = -1;

	itest_get(&r, "/unified/providers");
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_array_foreach(json_object_get(r.json, "providers"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    provider) == 0)
			used = (int)json_integer_value(json_object_get(
			    json_object_get(p, "circuit"), "used_this_minute"));
	itest_res_fini(&r);
	cr_assert_geq(used, 0, "no circuit view for %s", provider);
	return used;
}

/* n "auto" generations; how many went to runware_ai and to gemini. */
static void
draw(int n, int *runware, int *gemini)
{
	const char *p;
	long st;
	int i;

	*runware = *gemini = 0;
	for (i = 0; i < n; i++) {
		p = generate("{\"prompt\":\"a blue boat\",\"width\":512,"
		    "\"height\":512}", &st);
		cr_assert_eq(st, 200);
		*runware += strcmp(p, "runware_ai") == 0;
		*gemini += strcmp(p, "gemini") == 0;
	}
}

/* Weight 0 is never the first choice among equals; two weights of 1
 * both are (40 draws: both missing one is 2^-40). The spread of 3:1 is a
 * figure (make bench), not a test. */
Test(selection, weights_spread_the_first_choice, .timeout = 120)
{
	int runware, gemini;

	itest_sql(&db,
	    "UPDATE provider_configs SET enabled = provider IN ('runware_ai', "
	    "'gemini'), priority = 10, rate_per_min = 0, weight = CASE "
	    "provider WHEN 'runware_ai' THEN 1 ELSE 0 END");
	draw(20, &runware, &gemini);
	cr_assert_eq(runware, 20, "weight 0 chose gemini %d of 20", gemini);
	itest_sql(&db, "UPDATE provider_configs SET weight = 1");
	draw(40, &runware, &gemini);
	cr_assert_eq(runware + gemini, 40, "only enabled providers");
	cr_assert(runware > 0 && gemini > 0, "runware %d, gemini %d of 40",
	    runware, gemini);
}

Test(selection, rate_limit_spills_over_then_429, .timeout = 120)
{
	long st;
	const char *p;
	struct itest_res r;
	char *ra, q[512];

	/* No minute boundary during the test; earlier tests may have used
	 * part of this minute's window: the limit is what they used + 2. */
	while (time_wall_ms() % 60000 > 50000)
		usleep(500000);
	snprintf(q, sizeof(q), "UPDATE provider_configs SET enabled = "
	    "provider IN ('runware_ai', 'gemini'), rate_per_min = CASE "
	    "provider WHEN 'runware_ai' THEN %d ELSE 0 END, priority = CASE "
	    "provider WHEN 'runware_ai' THEN 1 ELSE 50 END, weight = 1",
	    used_this_minute("runware_ai") + 2);
	itest_sql(&db, q);
	cr_assert_str_eq(generate("{\"prompt\":\"a kite\"}", &st), "runware_ai");
	cr_assert_str_eq(generate("{\"prompt\":\"a kite\"}", &st), "runware_ai");
	p = generate("{\"prompt\":\"a kite\"}", &st);
	cr_assert_eq(st, 200);
	cr_assert_str_eq(p, "gemini", "spilled over to the next provider");
	itest_sql(&db,
	    "UPDATE provider_configs SET enabled = false WHERE provider = "
	    "'gemini'");
	itest_call(&r, "POST", "/unified/generate", json_h,
	    "{\"prompt\":\"a kite\"}", (size_t)-1);
	cr_assert(r.status == 503 || r.status == 429, "%ld %s", r.status,
	    r.body);
	ra = itest_header(&r, "Retry-After");
	cr_assert_not_null(ra, "%s", r.headers);
	cr_assert(atoi(ra) >= 1 && atoi(ra) <= 60, "%s", ra);
	free(ra);
	itest_res_fini(&r);
}

/* ComfyUI's requests, succeeded and images in the stats at path (0 when
 * it has no row). */
static void
comfyui_stats(const char *path, json_int_t v[3])
{
	struct itest_res r;
	json_t *row;
	size_t i;

	v[0] = v[1] = v[2] = 0;
	itest_get(&r, path);
	cr_assert_eq(r.status, 200, "%s", r.body);
	json_array_foreach(json_object_get(r.json, "providers"), i, row)
		if (strcmp(json_string_value(json_object_get(row, "provider")),
		    "comfyui") == 0) {
			v[0] = json_integer_value(json_object_get(row,
			    "requests"));
			v[1] = json_integer_value(json_object_get(row,
			    "succeeded"));
			v[2] = json_integer_value(json_object_get(row, "images"));
		}
	itest_res_fini(&r);
}

Test(selection, stats_count_what_was_generated, .timeout = 120)
{
	char since[40], path[96];
	json_int_t before[3], after[3];
	size_t i;
	long st;

	itest_sql(&db,
	    "UPDATE provider_configs SET enabled = true, rate_per_min = 0");
	/* One window for both readings (an hour back, whole seconds): what
	 * this test adds is the difference. */
	time_iso_from_ms(time_wall_ms() - 3600000, since, sizeof(since));
	snprintf(path, sizeof(path), "/unified/stats?since=%s", since);
	comfyui_stats(path, before);
	for (i = 0; i < 3; i++) {
		generate("{\"prompt\":\"a clock tower\",\"provider\":"
		    "\"comfyui\",\"width\":256,\"height\":256}", &st);
		cr_assert_eq(st, 200);
	}
	comfyui_stats(path, after);
	cr_assert_eq(after[0] - before[0], 3, "requests");
	cr_assert_eq(after[1] - before[1], 3, "succeeded");
	cr_assert_eq(after[2] - before[2], 3, "images");
}

Test(selection, deadline_answers_504_and_the_job_says_so, .timeout = 90)
{
	struct itest_res r, j;
	char path[96];
	const char *id;

	/* The provider's own time-out is longer than the request's deadline
	 * (GENERATE_TIMEOUT_S, 15 s in tests): the deadline must cut it. */
	itest_sql(&db,
	    "UPDATE provider_configs SET timeout_ms = 600000 WHERE provider = "
	    "'runware_ai'");
	itest_fault("runware", "{\"hang\":true}");
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a slow tide\",\"provider\":\"runware_ai\",\"fallback\":false}",
	    (size_t)-1);
	itest_fault("runware", "");
	cr_assert_eq(r.status, 504, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "timeout");
	cr_assert_geq(json_array_size(json_object_get(json_object_get(r.json,
	    "error"), "attempts")), 1, "%s", r.body);
	cr_assert_not_null(id = itest_str(&r, "error.generation_id"));
	snprintf(path, sizeof(path), "/unified/jobs/%s", id);
	itest_get(&j, path);
	cr_assert_eq(j.status, 200, "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "status"), "failed", "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "error.code"), "timeout", "%s", j.body);
	itest_res_fini(&j);
	itest_res_fini(&r);
}

Test(selection, max_concurrent_makes_calls_wait_for_a_place, .timeout = 90)
{
	struct itest_res r;
	json_t *it;
	size_t i;
	static const char one[] = "{\"prompt\":\"a paper boat\",\"provider\":"
	    "\"gemini\",\"fallback\":false}";
	char body[512];

	/* Two places, four calls of 1 s each: the last two wait ~1 s for
	 * a place, none fails. */
	itest_sql(&db,
	    "UPDATE provider_configs SET max_concurrent = 2 WHERE provider = "
	    "'gemini'");
	itest_fault("gemini", "{\"latency_ms\":1000}");
	(void)itest_sandbox_concurrency("gemini", true);
	snprintf(body, sizeof(body), "{\"requests\":[%s,%s,%s,%s]}", one, one,
	    one, one);
	itest_call(&r, "POST", "/unified/generate/batch", json_h, body,
	    (size_t)-1);
	itest_fault("gemini", "");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "succeeded")),
	    4, "%s", r.body);
	/* The sandbox served two at once, never more. */
	cr_assert_eq(itest_sandbox_concurrency("gemini", false), 2, "%s",
	    r.body);
	json_array_foreach(json_object_get(r.json, "items"), i, it)
		cr_assert_eq(json_array_size(json_object_get(json_object_get(
		    json_object_get(it, "result"), "metadata"), "attempts")), 1,
		    "one attempt each, no failure while waiting");
	itest_res_fini(&r);
}
