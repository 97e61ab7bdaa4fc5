/*
 * tests/integration/test_batch.c - POST /unified/generate/batch through
 * nginx against the sandbox: items run at once (the sandbox serves a
 * batch's calls side by side; the time it takes is make bench's),
 * partial failure is per item, each item is its own job, a bad
 * batch is one clear error, a dry run calls nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(batch, .init = itest_faults_clear, .fini = itest_faults_clear);

static void
batch(struct itest_res *r, const char *query, json_t *requests)
{
	json_t *b = json_pack("{s:o}", "requests", requests);
	char *body = json_dumps(b, 0), path[128];

	snprintf(path, sizeof(path), "/unified/generate/batch%s", query);
	itest_call(r, "POST", path, json_h, body, (size_t)-1);
	free(body);
	json_decref(b);
}

static json_t *
item(const struct itest_res *r, size_t i)
{
	return json_array_get(json_object_get(r->json, "items"), i);
}

static json_t *
same_requests(size_t n, const char *provider)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:b}", "prompt",
		    "a lighthouse at dusk, oil painting", "provider", provider,
		    "fallback", 0));
	return a;
}

Test(batch, runs_items_concurrently, .timeout = 60)
{
	struct itest_res r, j;
	json_t *it, *ids = json_object();
	size_t i;
	char path[96];
	int most;

	itest_fault("gemini", "{\"latency_ms\":1000}");
	(void)itest_sandbox_concurrency("gemini", true);
	batch(&r, "", same_requests(8, "gemini"));
	most = itest_sandbox_concurrency("gemini", false);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "count")), 8);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "succeeded")),
	    8, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "failed")), 0);
	/* One after another, the sandbox would serve one call at a time. */
	cr_assert_eq(most, 8, "the sandbox served at most %d of the 8 calls "
	    "at once", most);
	for (i = 0; i < 8; i++) {
		it = item(&r, i);
		cr_assert_eq(json_integer_value(json_object_get(it, "index")),
		    (json_int_t)i);
		cr_assert_eq(json_integer_value(json_object_get(it, "status")),
		    200);
		const char *id = json_string_value(json_object_get(
		    json_object_get(it, "result"), "generation_id"));
		cr_assert_not_null(id);
		cr_assert_null(json_object_get(ids, id), "id %s twice", id);
		json_object_set_new(ids, id, json_true());
		cr_assert_eq(json_array_size(json_object_get(json_object_get(
		    it, "result"), "images")), 1);
		snprintf(path, sizeof(path), "/unified/jobs/%s", id);
		itest_get(&j, path);
		cr_assert_eq(j.status, 200, "%s", j.body);
		cr_assert_str_eq(itest_str(&j, "status"), "completed");
		itest_res_fini(&j);
	}
	json_decref(ids);
	itest_res_fini(&r);
}

Test(batch, partial_failure_is_per_item, .timeout = 60)
{
	struct itest_res r;
	json_t *req = json_pack("[{s:s,s:s},{s:s},{s:s,s:s,s:b},{s:s,s:i}]",
	    "prompt", "a red fox", "provider", "gemini",
	    "prompt", "",
	    "prompt", "a blue cat", "provider", "runware_ai", "fallback", 0,
	    "prompt", "a green owl", "num_images", 9);

	itest_fault("runware", "{\"status\":500}");
	batch(&r, "", req);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "succeeded")),
	    1, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "failed")), 3);
	cr_assert_eq(json_integer_value(json_object_get(item(&r, 0),
	    "status")), 200);
	cr_assert_eq(json_integer_value(json_object_get(item(&r, 1),
	    "status")), 422);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    item(&r, 1), "error"), "code")), "prompt_empty");
	/* The provider's failure: its job id and attempts come with it. */
	json_t *e2 = json_object_get(item(&r, 2), "error");
	cr_assert_eq(json_integer_value(json_object_get(item(&r, 2),
	    "status")), 503, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(e2, "code")),
	    "provider_unavailable");
	cr_assert_not_null(json_object_get(e2, "generation_id"));
	cr_assert_eq(json_array_size(json_object_get(e2, "attempts")), 3);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    item(&r, 3), "error"), "code")), "invalid_field");
	itest_res_fini(&r);
}

Test(batch, bad_batches_are_one_error)
{
	static const struct {
		const char	*body;
		long		 status;
		const char	*code;
	} v[] = {
		{ "{}",				422, "missing_field" },
		{ "{\"requests\":[]}",		422, "invalid_field" },
		{ "{\"requests\":{}}",		422, "invalid_field" },
		{ "[1,2]",			400, "bad_json" },
		{ "{\"requests\":",		400, "bad_json" },
	};
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		itest_call(&r, "POST", "/unified/generate/batch", json_h,
		    v[i].body, (size_t)-1);
		cr_assert_eq(r.status, v[i].status, "%s: %s", v[i].body,
		    r.body);
		cr_assert_str_eq(itest_str(&r, "error.code"), v[i].code,
		    "%s: %s", v[i].body, r.body);
		itest_res_fini(&r);
	}
	batch(&r, "", same_requests(17, "gemini"));	/* BATCH_MAX is 16 */
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "invalid_field");
	cr_assert(strstr(itest_str(&r, "error.message"), "16") != NULL);
	itest_res_fini(&r);
}

Test(batch, dry_run_calls_nothing)
{
	struct itest_res r;
	json_t *after;

	itest_sandbox_forget("gemini");
	batch(&r, "?dry_run=1", same_requests(3, "gemini"));
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "succeeded")),
	    3);
	cr_assert(json_is_true(json_object_get(json_object_get(item(&r, 2),
	    "result"), "dry_run")));
	cr_assert(json_array_size(json_object_get(json_object_get(item(&r, 2),
	    "result"), "candidates")) > 0);
	after = itest_sandbox_requests("gemini");
	cr_assert_eq(json_array_size(after), 0, "the sandbox was called");
	json_decref(after);
	itest_res_fini(&r);
}

/* A long prompt (over the optimization threshold). */
static char *
long_prompt(void)
{
	static const char unit[] = "A red fox in snow, watercolor, golden "
	    "hour, 85mm, bokeh, highly detailed. The fox waits by the frozen "
	    "river. ";
	size_t i, u = strlen(unit);
	char *p = malloc(60 * u + 1);

	for (i = 0; i < 60; i++)
		memcpy(p + i * u, unit, u);
	p[60 * u] = '\0';
	return p;
}

static const char *
validation(const struct itest_res *r, size_t i, const char *key)
{
	json_t *v = json_object_get(json_object_get(json_object_get(item(r, i),
	    "result"), "metadata"), "prompt_validation");

	return json_string_value(json_object_get(v, key));
}

/* Ollama's seconds are spent by the runner beside everything else: a
 * batch whose three prompts wait on a slow Ollama holds no worker and no
 * other job. A short generation queued after it ends first; then each of
 * the three gets Ollama's answer (each its own OLLAMA_TIMEOUT_MS). */
Test(batch, ollama_calls_hold_nothing_else, .timeout = 60)
{
	static const char *const async_h[] = { "Content-Type: "
	    "application/json", "Prefer: respond-async", NULL };
	struct itest_res r, g, b;
	json_t *req = json_array(), *b0 = NULL;
	char *p = long_prompt(), *body, *loc;
	size_t i;
	int k;

	itest_fault("ollama", "{\"latency_ms\":1000,\"path\":\"/api/generate\"}");
	for (i = 0; i < 3; i++)
		json_array_append_new(req, json_pack("{s:s,s:s,s:b}", "prompt",
		    p, "provider", "gemini", "fallback", 0));
	b0 = json_pack("{s:o}", "requests", req);
	body = json_dumps(b0, 0);
	itest_call(&r, "POST", "/unified/generate/batch", async_h, body,
	    (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	loc = itest_header(&r, "Location");
	cr_assert_not_null(loc, "%s", r.headers);
	itest_call(&g, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a short one\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(g.status, 200, "%s", g.body);
	itest_get(&b, loc);
	cr_assert_eq(b.status, 200, "%s", b.body);
	cr_assert_eq(json_integer_value(json_object_get(b.json, "succeeded")),
	    0, "the short job ended while Ollama still thought: %s", b.body);
	itest_res_fini(&b);
	for (k = 0; k < 100; k++, usleep(100000)) {
		itest_get(&b, loc);
		if (json_integer_value(json_object_get(b.json, "succeeded")) +
		    json_integer_value(json_object_get(b.json, "failed")) == 3)
			break;
		itest_res_fini(&b);
	}
	cr_assert_eq(json_integer_value(json_object_get(b.json, "succeeded")),
	    3, "%s", b.body);
	for (i = 0; i < 3; i++)
		cr_assert_str_eq(validation(&b, i, "method"), "ollama", "%s",
		    b.body);
	itest_res_fini(&b);
	itest_res_fini(&g);
	itest_res_fini(&r);
	free(loc);
	free(body);
	json_decref(b0);
	free(p);
}
