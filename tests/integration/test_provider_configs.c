/*
 * tests/integration/test_provider_configs.c - provider_configs edited
 * with SQL take effect on the next requests: default_model and
 * settings.steps / guidance reach the provider (the sandbox's request
 * log), settings.allowed_models narrows RUNWARE_MODELS. Restored after.
 * Not here: priorities, weights, rates (test_selection.c).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/db/db.h"
#include "tests/helpers/itest.h"

#define SETTLE_MS	10000	/* workers and the runner re-read at most 1 s late */

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static struct config cfg;
static struct log lg;
static struct db db;

static void
setup(void)
{
	itest_faults_clear();
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	itest_configs_save(&db);
}

static void
teardown(void)
{
	itest_configs_restore(&db);
	itest_db_close(&cfg, &db);
}

TestSuite(provider_configs, .init = setup, .fini = teardown);

/* The body of the newest request of sandbox kind that had one (new
 * reference): a Runware task array, a Leonardo create. */
static json_t *
last_body(const char *kind)
{
	json_t *all = itest_sandbox_requests(kind), *q, *b = NULL;
	size_t i;

	json_array_foreach(all, i, q)
		if (json_is_array(json_object_get(q, "body")) ||
		    json_is_object(json_object_get(q, "body")))
			b = json_object_get(q, "body");
	json_incref(b);
	json_decref(all);
	return b;
}

/* The first task of the newest Runware POST (new reference). */
static json_t *
last_runware_task(void)
{
	json_t *b = last_body("runware"), *t = json_incref(json_array_get(b,
	    0));

	json_decref(b);
	return t;
}

Test(provider_configs, default_model_and_steps_reach_runware, .timeout = 60)
{
	int64_t until = time_mono_ms() + SETTLE_MS;
	struct itest_res r;
	json_t *t = NULL;
	bool seen = false;

	itest_sql(&db,
	    "UPDATE provider_configs SET default_model = 'runware:100@1', "
	    "settings = '{\"steps\": 7, \"guidance\": 2.5}' "
	    "WHERE provider = 'runware_ai'");
	while (!seen && time_mono_ms() < until) {
		itest_call(&r, "POST", "/unified/generate", json_h,
		    "{\"prompt\":\"a red fox in snow\",\"provider\":"
		    "\"runware_ai\",\"fallback\":false}", (size_t)-1);
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_res_fini(&r);
		json_decref(t);
		t = last_runware_task();
		seen = json_integer_value(json_object_get(t, "steps")) == 7;
	}
	cr_assert(seen, "steps never sent: %s", json_dumps(t, 0));
	cr_expect_str_eq(json_string_value(json_object_get(t, "model")),
	    "runware:100@1");
	cr_expect_float_eq(json_number_value(json_object_get(t, "CFGScale")),
	    2.5, 1e-9);
	json_decref(t);
}

Test(provider_configs, allowed_models_narrows_the_list, .timeout = 60)
{
	int64_t until = time_mono_ms() + SETTLE_MS;
	struct itest_res r;
	long status = 0;
	char last[512] = "";

	itest_sql(&db, "UPDATE provider_configs SET settings = "
	    "'{\"allowed_models\": [\"runware:100@1\"]}' "
	    "WHERE provider = 'runware_ai'");
	while (status != 422 && time_mono_ms() < until) {
		itest_call(&r, "POST", "/unified/generate", json_h,
		    "{\"prompt\":\"a red fox in snow\",\"provider\":"
		    "\"runware_ai\",\"model\":\"runware:101@1\"}", (size_t)-1);
		status = r.status;
		snprintf(last, sizeof(last), "%s", r.body);
		if (status == 422)
			itest_assert_error(&r, 422, "model_not_allowed");
		itest_res_fini(&r);
	}
	cr_assert_eq(status, 422, "runware:101@1 still allowed: %s", last);
	itest_call(&r, "POST", "/unified/generate?dry_run=1", json_h,
	    "{\"prompt\":\"a red fox in snow\",\"provider\":\"runware_ai\","
	    "\"model\":\"runware:100@1\"}", (size_t)-1);
	cr_expect_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
}

/* settings.styles maps our style to another of Leonardo's presets (with
 * the alchemy it needs); a mapping to no preset of Leonardo's is ignored. */
Test(provider_configs, styles_map_to_the_providers_presets, .timeout = 60)
{
	int64_t until = time_mono_ms() + SETTLE_MS;
	struct itest_res r;
	json_t *b = NULL;
	bool seen = false;

	itest_sql(&db, "UPDATE provider_configs SET settings = '{\"styles\": "
	    "{\"photo\": \"CREATIVE\", \"anime\": \"NOT_A_PRESET\"}}' "
	    "WHERE provider = 'leonardo_ai'");
	while (!seen && time_mono_ms() < until) {
		itest_call(&r, "POST", "/unified/generate", json_h,
		    "{\"prompt\":\"a red fox in snow\",\"provider\":"
		    "\"leonardo_ai\",\"fallback\":false,\"style\":\"photo\"}",
		    (size_t)-1);
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_res_fini(&r);
		json_decref(b);
		b = last_body("leonardo");
		seen = json_string_value(json_object_get(b, "presetStyle")) &&
		    strcmp(json_string_value(json_object_get(b,
		    "presetStyle")), "CREATIVE") == 0;
	}
	cr_assert(seen, "the mapping never reached Leonardo");
	cr_expect(json_is_true(json_object_get(b, "alchemy")));
	json_decref(b);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a red fox\",\"provider\":\"leonardo_ai\",\"fallback\":false,"
	    "\"style\":\"anime\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	b = last_body("leonardo");
	cr_expect_str_eq(json_string_value(json_object_get(b, "presetStyle")),
	    "ANIME", "a mapping to no preset is ignored");
	json_decref(b);
}
