/*
 * tests/integration/test_prompt.c - POST /unified/validate-prompt and the
 * prompt-validator health through nginx, with the sandbox's Ollama: the
 * rules at their boundaries, bad input, Ollama used, and each way it can
 * fail (slow, down, no model, nonsense, hanging, a reasoning that spends
 * the budget) ending in the local compressor with the right reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

static void
reset(void)
{
	itest_fault("ollama", "");
}

TestSuite(prompt, .init = reset, .fini = reset);

static void
validate(struct itest_res *r, const char *body)
{
	itest_call(r, "POST", "/unified/validate-prompt", json_h, body,
	    (size_t)-1);
}

/* {"prompt": <n copies of unit>} */
static char *
body_of(const char *unit, size_t n, const char *extra)
{
	size_t u = strlen(unit), i;
	char *b = malloc(n * u + 128), *o = b;

	o += sprintf(o, "{\"prompt\":\"");
	for (i = 0; i < n; i++, o += u)
		memcpy(o, unit, u);
	sprintf(o, "\"%s}", extra ? extra : "");
	return b;
}

/* A long prompt: keywords first, then the same sentences over and over. */
static char *
long_body(const char *extra)
{
	return body_of("A red fox in snow, watercolor, golden hour, 85mm, "
	    "bokeh, highly detailed. The fox waits by the frozen river. ",
	    60, extra);
}

static const char *
opt_str(const struct itest_res *r, const char *k)
{
	return json_string_value(json_object_get(json_object_get(r->json,
	    "optimized"), k));
}

static long
opt_int(const struct itest_res *r, const char *k)
{
	return (long)json_integer_value(json_object_get(json_object_get(r->json,
	    "optimized"), k));
}

Test(prompt, short_prompt_passes_as_is)
{
	struct itest_res r;

	validate(&r, "{\"prompt\":\"  a cat,\\n  oil painting  \"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "rule"), "pass");
	cr_assert_str_eq(itest_str(&r, "prompt"), "a cat, oil painting");
	cr_assert_str_eq(opt_str(&r, "method"), "none");
	cr_assert_not_null(json_object_get(json_object_get(r.json, "analysis"),
	    "flesch_reading_ease"));
	itest_res_fini(&r);
}

Test(prompt, boundaries_over_http)
{
	struct itest_res r;
	char *b;

	b = body_of("\xc3\xa9", 3000, NULL);
	validate(&r, b);
	cr_assert_str_eq(itest_str(&r, "rule"), "pass", "%s", r.body);
	itest_res_fini(&r);
	free(b);
	b = body_of("\xc3\xa9", 3001, ",\"method\":\"local\"");
	validate(&r, b);
	cr_assert_str_eq(itest_str(&r, "rule"), "optimize");
	cr_assert_lt(opt_int(&r, "optimized_length"), 3000);
	itest_res_fini(&r);
	free(b);
	b = body_of("a", 10001, NULL);
	validate(&r, b);
	cr_assert_eq(r.status, 400);
	cr_assert_str_eq(itest_str(&r, "error.code"), "prompt_too_long");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.json,
	    "error"), "length")), 10001);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(r.json,
	    "error"), "limit")), 10000);
	itest_res_fini(&r);
	free(b);
}

Test(prompt, bad_input_is_a_clear_error)
{
	static const struct { const char *body; long status; const char *code; }
	    bad[] = {
		{ "{\"prompt\":\"   \"}", 422, "prompt_empty" },
		{ "{\"prompt\":\"a\\u0000b\"}", 422, "prompt_invalid_encoding" },
		{ "{\"prompt\":\"a\xff\"}", 422, "prompt_invalid_encoding" },
		{ "{\"prompt\":", 400, "bad_json" },
		{ "[1,2]", 400, "bad_json" },
		{ "{}", 422, "missing_field" },
		{ "{\"prompt\":5}", 422, "invalid_field" },
		{ "{\"prompt\":\"x\",\"method\":\"gpt\"}", 422, "invalid_field" },
		{ "{\"prompt\":\"x\",\"optimise\":true}", 422, "invalid_field" },
	};
	static const char *const text_h[] = { "Content-Type: text/plain",
	    NULL };
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		validate(&r, bad[i].body);
		cr_assert_eq(r.status, bad[i].status, "%s -> %ld %s",
		    bad[i].body, r.status, r.body);
		cr_assert_str_eq(itest_str(&r, "error.code"), bad[i].code,
		    "%s", bad[i].body);
		itest_res_fini(&r);
	}
	itest_call(&r, "POST", "/unified/validate-prompt", text_h, "x", 1);
	cr_assert_eq(r.status, 415);
	itest_res_fini(&r);
}

Test(prompt, ollama_shortens_long_prompts)
{
	struct itest_res r;
	json_t *reqs, *last;
	char *b = long_body(NULL);

	validate(&r, b);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "rule"), "optimize");
	cr_assert_str_eq(opt_str(&r, "method"), "ollama", "%s", r.body);
	cr_assert_lt(opt_int(&r, "optimized_length"), 3000);
	cr_assert_gt(opt_int(&r, "original_length"), 3000);
	cr_assert(strstr(opt_str(&r, "prompt"), "golden hour") != NULL);
	cr_assert(json_is_null(json_object_get(json_object_get(r.json,
	    "optimized"), "fallback_reason")));
	reqs = itest_sandbox_requests("ollama");
	last = json_object_get(json_array_get(reqs, json_array_size(reqs) - 1),
	    "body");
	cr_assert_str_eq(json_string_value(json_object_get(last, "model")),
	    "gpt-oss:20b");
	cr_assert(json_is_false(json_object_get(last, "stream")));
	cr_assert_str_eq(json_string_value(json_object_get(last, "think")),
	    "low", "gpt-oss reasons at the low level: %s", r.body);
	json_decref(reqs);
	itest_res_fini(&r);
	free(b);
}

/* An optimization waits on Ollama in the runner, never in a worker:
 * with Prefer: respond-async it is 202 + Location at once, /health and a
 * local validation answer while Ollama thinks, then the job has the
 * same answer a synchronous call gets. */
Test(prompt, an_ollama_optimization_holds_no_worker, .timeout = 30)
{
	static const char *const async_h[] = { "Content-Type: "
	    "application/json", "Prefer: respond-async", NULL };
	struct itest_res r, h, j;
	char *b = long_body(NULL), *lb = long_body(",\"method\":\"local\""),
	    *loc;
	int i;

	itest_fault("ollama", "{\"latency_ms\":1000,\"path\":\"/api/generate\"}");
	itest_call(&r, "POST", "/unified/validate-prompt", async_h, b,
	    (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	loc = itest_header(&r, "Location");
	cr_assert_not_null(loc, "%s", r.headers);
	cr_assert(strncmp(loc, "/unified/validate-prompt/", 25) == 0, "%s",
	    loc);
	itest_get(&h, "/health");
	cr_assert_eq(h.status, 200, "%s", h.body);
	itest_res_fini(&h);
	validate(&h, lb);
	cr_assert_eq(h.status, 200, "%s", h.body);
	cr_assert_str_eq(opt_str(&h, "method"), "local");
	itest_res_fini(&h);
	itest_get(&j, loc);
	cr_assert_neq(strcmp(itest_str(&j, "status"), "completed"), 0,
	    "Ollama still thinks: %s", j.body);
	itest_res_fini(&j);
	for (i = 0; i < 50; i++, usleep(100000)) {
		itest_get(&j, loc);
		if (strcmp(itest_str(&j, "status"), "completed") == 0)
			break;
		itest_res_fini(&j);
	}
	cr_assert_str_eq(itest_str(&j, "status"), "completed", "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "result.optimized.method"), "ollama",
	    "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "result.rule"), "optimize");
	itest_res_fini(&j);
	itest_res_fini(&r);
	free(loc);
	free(lb);
	free(b);
}

Test(prompt, local_method_never_calls_ollama)
{
	struct itest_res r;
	long long seq = itest_sandbox_seq("ollama");
	char *b = long_body(",\"method\":\"local\"");

	validate(&r, b);
	cr_assert_str_eq(opt_str(&r, "method"), "local", "%s", r.body);
	cr_assert_eq(itest_sandbox_seq("ollama"), seq, "Ollama was called");
	itest_res_fini(&r);
	free(b);
}

Test(prompt, optimize_false_reports_the_rule_only)
{
	struct itest_res r;
	char *b = long_body(",\"optimize\":false");

	validate(&r, b);
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(itest_str(&r, "rule"), "optimize");
	cr_assert(json_is_null(json_object_get(r.json, "optimized")));
	itest_res_fini(&r);
	free(b);
}

/* Sets an Ollama fault, validates a long prompt, expects the fallback. */
static void
expect_fallback(const char *fault, const char *reason)
{
	struct itest_res r;
	char *b = long_body(NULL);

	itest_fault("ollama", fault);
	validate(&r, b);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(opt_str(&r, "method"), "local", "%s: %s", fault,
	    r.body);
	cr_assert_str_eq(opt_str(&r, "fallback_reason"), reason, "%s: %s",
	    fault, r.body);
	cr_assert_lt(opt_int(&r, "optimized_length"), 3000);
	itest_res_fini(&r);
	free(b);
	itest_fault("ollama", "");
}

Test(prompt, slow_ollama_falls_back, .timeout = 30)
{
	expect_fallback("{\"latency_ms\":3000,\"path\":\"/api/generate\"}",
	    "ollama_timeout");
}

/* Counts this test's own calls: those after the log's seq before it. */
Test(prompt, failing_ollama_falls_back_after_one_retry)
{
	long long seq = itest_sandbox_seq("ollama");
	json_t *reqs;
	size_t i, n = 0;

	expect_fallback("{\"status\":500,\"path\":\"/api/generate\"}",
	    "ollama_unreachable");
	reqs = itest_sandbox_since("ollama", seq);
	for (i = 0; i < json_array_size(reqs); i++)
		n += strcmp(json_string_value(json_object_get(json_array_get(
		    reqs, i), "path")), "/api/generate") == 0;
	cr_assert_eq(n, 2, "the transient failure was retried once");
	json_decref(reqs);
}

/* gpt-oss reasons longer than num_predict allows: done_reason "length",
 * an empty response, its own reason. */
Test(prompt, a_spent_reasoning_budget_falls_back_with_length)
{
	expect_fallback("{\"think_tokens\":100000,\"path\":"
	    "\"/api/generate\"}", "length");
}

/* The sandbox's Ollama takes think as gpt-oss does (a level or a boolean)
 * and refuses anything else with Ollama's own 400, as imagegen would then
 * see it. */
Test(prompt, sandbox_ollama_refuses_an_unknown_think_level)
{
	static const struct { const char *think; long status; } cases[] = {
		{ "\"low\"", 200 }, { "\"high\"", 200 }, { "true", 200 },
		{ "false", 200 }, { "\"max\"", 400 }, { "\"none\"", 400 },
		{ "1", 400 },
	};
	struct itest_res r;
	char body[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"model\":\"gpt-oss:20b\","
		    "\"prompt\":\"a fox.\",\"stream\":false,\"think\":%s}",
		    cases[i].think);
		itest_sandbox_call(&r, "ollama", "POST", "/api/generate", body);
		cr_assert_eq(r.status, cases[i].status, "think %s: %s",
		    cases[i].think, r.body);
		if (r.status == 400)
			cr_assert(strstr(json_string_value(json_object_get(
			    r.json, "error")), "\"high\", \"medium\", "
			    "\"low\", true, or false") != NULL, "%s", r.body);
		else
			cr_assert_not_null(json_string_value(json_object_get(
			    r.json, "thinking")), "%s", r.body);
		itest_res_fini(&r);
	}
}

Test(prompt, nonsense_answer_is_rejected)
{
	expect_fallback("{\"nonsense\":true}", "keywords_lost");
}

Test(prompt, hanging_ollama_falls_back, .timeout = 30)
{
	expect_fallback("{\"hang\":true,\"path\":\"/api/generate\"}",
	    "ollama_timeout");
}

Test(prompt, zz_missing_model_falls_back_and_health_degrades)
{
	struct itest_res r;
	int i;

	expect_fallback("{\"missing_model\":true}", "model_missing");
	itest_fault("ollama", "{\"missing_model\":true}");
	itest_get(&r, "/unified/prompt-validator/health");
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(itest_str(&r, "status"), "degraded");
	cr_assert(json_is_false(json_object_get(json_object_get(r.json,
	    "ollama"), "model_present")));
	itest_res_fini(&r);
	itest_fault("ollama", "");
	/* Polls (bounded) until the negative tags cache (2 s) expires. */
	for (i = 0; i < 100; i++, usleep(50000)) {
		itest_get(&r, "/unified/prompt-validator/health");
		if (itest_str(&r, "status") && strcmp(itest_str(&r,
		    "status"), "ok") == 0)
			break;
		itest_res_fini(&r);
	}
	cr_assert_str_eq(itest_str(&r, "status"), "ok", "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r.json, "ollama"), "version")), "0.12.0-sandbox");
	itest_res_fini(&r);
}
