/*
 * tests/integration/test_generate.c - POST /unified/generate through
 * nginx against the sandbox: every provider as the explicit choice (the
 * request checked on the sandbox side, the image served by nginx), and
 * fallback on 500, 429, malformed answers, truncated images, bad auth,
 * text-only answers; content_blocked stops; dry runs call nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "tests/helpers/itest.h"
#include "tests/sandbox/sandbox.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(generate, .init = itest_faults_clear, .fini = itest_faults_clear);

static void
generate(struct itest_res *r, const char *body)
{
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
}

/* The last request the sandbox of kind got whose path contains sub. */
static json_t *
last_request(const char *kind, const char *sub)
{
	json_t *all = itest_sandbox_requests(kind), *hit = NULL, *q;
	size_t i;

	json_array_foreach(all, i, q)
		if (strstr(json_string_value(json_object_get(q, "path")), sub))
			hit = q;
	json_incref(hit);
	json_decref(all);
	return hit;
}

static void
assert_image_served(const struct itest_res *r, const char *format)
{
	json_t *img = json_array_get(json_object_get(r->json, "images"), 0);
	struct itest_res f;
	char *ct;

	cr_assert_str_eq(json_string_value(json_object_get(img, "format")),
	    format);
	itest_get(&f, json_string_value(json_object_get(img, "local_url")));
	cr_assert_eq(f.status, 200);
	cr_assert_eq((long long)f.len, json_integer_value(json_object_get(img,
	    "bytes")));
	ct = itest_header(&f, "Content-Type");
	cr_assert(strncmp(ct, "image/", 6) == 0, "%s", ct);
	free(ct);
	itest_res_fini(&f);
}

/* The image's own fields: url null (the sandbox's address is local),
 * public_url our copy, Gemini's SynthID, Leonardo's nsfw flag, a readable
 * model name; the same once read back from the database. */
static void
assert_provider_said(const struct itest_res *r, const char *provider)
{
	json_t *img = json_array_get(json_object_get(r->json, "images"), 0),
	    *img2;
	struct itest_res g;
	char path[96];

	cr_assert(json_is_null(json_object_get(img, "url")), "%s", r->body);
	cr_assert_str_eq(json_string_value(json_object_get(img, "public_url")),
	    json_string_value(json_object_get(img, "local_url")));
	cr_assert_eq(json_is_true(json_object_get(img, "synthid")),
	    strcmp(provider, "gemini") == 0, "synthid: %s", r->body);
	cr_assert_eq(json_is_boolean(json_object_get(img, "nsfw")),
	    strcmp(provider, "leonardo_ai") == 0, "nsfw: %s", r->body);
	cr_assert_not_null(json_string_value(json_object_get(json_object_get(
	    r->json, "metadata"), "provider_model_name")), "%s", r->body);
	snprintf(path, sizeof(path), "/unified/jobs/%s",
	    itest_str(r, "generation_id"));
	itest_get(&g, path);
	img2 = json_array_get(json_object_get(g.json, "images"), 0);
	cr_assert(json_equal(json_object_get(img, "synthid"),
	    json_object_get(img2, "synthid")), "stored: %s", g.body);
	cr_assert(json_equal(json_object_get(img, "nsfw"),
	    json_object_get(img2, "nsfw")), "stored: %s", g.body);
	itest_res_fini(&g);
}

static void
explicit_ok(const char *provider, const char *format)
{
	struct itest_res r;
	char body[256];

	snprintf(body, sizeof(body), "{\"prompt\":\"a red fox in snow, "
	    "watercolor\",\"provider\":\"%s\",\"width\":512,\"height\":512}",
	    provider);
	generate(&r, body);
	cr_assert_eq(r.status, 200, "%s: %s", provider, r.body);
	cr_assert_str_eq(itest_str(&r, "provider"), provider);
	cr_assert_str_eq(itest_str(&r, "status"), "completed");
	cr_assert_eq(json_array_size(json_object_get(r.json, "images")), 1);
	cr_assert_eq(json_array_size(itest_attempts(&r)), 1);
	assert_image_served(&r, format);
	assert_provider_said(&r, provider);
	itest_res_fini(&r);
}

/* The create call: POST /api/rest/v1/generations with the Bearer key and
 * the request's fields (the default model, no style, no seed). */
Test(generate, leonardo_explicit)
{
	long long seq = itest_sandbox_seq("leonardo");
	json_t *log, *e, *q = NULL, *b;
	size_t i, n = 0;

	explicit_ok("leonardo_ai", "jpeg");
	log = itest_sandbox_since("leonardo", seq);
	json_array_foreach(log, i, e)
		if (strcmp(json_string_value(json_object_get(e, "method")),
		    "POST") == 0 && strcmp(json_string_value(json_object_get(e,
		    "path")), "/api/rest/v1/generations") == 0) {
			q = e;
			n++;
		}
	cr_assert_eq(n, 1, "one create call: %zu", n);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(q,
	    "headers"), "authorization")), "Bearer " SB_LEONARDO_KEY);
	b = json_object_get(q, "body");
	cr_assert_str_eq(json_string_value(json_object_get(b, "prompt")),
	    "a red fox in snow, watercolor");
	cr_assert_str_eq(json_string_value(json_object_get(b, "modelId")),
	    "aa77f04e-3eec-4034-9c07-d0f619684628", "Kino XL by default");
	cr_assert_eq(json_integer_value(json_object_get(b, "width")), 512);
	cr_assert_eq(json_integer_value(json_object_get(b, "height")), 512);
	cr_assert_eq(json_integer_value(json_object_get(b, "num_images")), 1);
	cr_assert_null(json_object_get(b, "presetStyle"));
	cr_assert_null(json_object_get(b, "seed"));
	json_decref(log);
}

Test(generate, runware_explicit_request_fields)
{
	json_t *q, *t;

	explicit_ok("runware_ai", "png");
	q = last_request("runware", "/v1");
	t = json_array_get(json_object_get(q, "body"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(t, "taskType")),
	    "imageInference");
	cr_assert_str_eq(json_string_value(json_object_get(t, "positivePrompt")),
	    "a red fox in snow, watercolor");
	cr_assert_eq(json_integer_value(json_object_get(t, "width")), 512);
	cr_assert_str_eq(json_string_value(json_object_get(t, "model")),
	    "runware:101@1");
	json_decref(q);
}

Test(generate, gemini_explicit_inline_base64)
{
	json_t *q;

	explicit_ok("gemini", "png");
	q = last_request("gemini", ":generateContent");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(q,
	    "headers"), "x-goog-api-key")), "sandbox-key");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(json_object_get(q, "body"), "generationConfig"),
	    "imageConfig"), "aspectRatio")), "1:1");
	json_decref(q);
}

Test(generate, comfyui_explicit_workflow_filled)
{
	json_t *q, *wf;

	explicit_ok("comfyui", "png");
	q = last_request("comfyui", "/prompt");
	wf = json_object_get(json_object_get(q, "body"), "prompt");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(wf, "4"), "inputs"), "text")),
	    "a red fox in snow, watercolor");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(wf, "6"), "inputs"), "width")), 512);
	json_decref(q);
}

Test(generate, several_images_and_sizes_rounded)
{
	struct itest_res r;

	generate(&r, "{\"prompt\":\"two cats\",\"provider\":\"runware_ai\","
	    "\"num_images\":2,\"width\":500,\"height\":700}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "images")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(
	    json_object_get(r.json, "images"), 0), "width")), 512);
	itest_res_fini(&r);
}

/* Faults provider kind, asks for it explicitly, expects another one. */
static void
expect_fallback(const char *kind, const char *provider, const char *fault,
    const char *outcome, size_t tries)
{
	struct itest_res r;
	char body[256];
	json_t *a;

	itest_fault(kind, fault);
	snprintf(body, sizeof(body), "{\"prompt\":\"a lighthouse\","
	    "\"provider\":\"%s\",\"width\":512,\"height\":512}", provider);
	generate(&r, body);
	cr_assert_eq(r.status, 200, "%s: %s", fault, r.body);
	cr_assert_str_neq(itest_str(&r, "provider"), provider);
	a = itest_attempts(&r);
	cr_assert_eq(json_array_size(a), tries + 1, "%s: %s", fault, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0),
	    "outcome")), outcome);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a,
	    tries), "outcome")), "ok");
	itest_res_fini(&r);
	itest_fault(kind, "");
}

Test(generate, fallback_on_500_after_retries, .timeout = 60)
{
	expect_fallback("runware", "runware_ai", "{\"status\":500}",
	    "provider_unavailable", 3);
}

/* The sandbox got the three tries at least Retry-After (1 s) apart: the
 * backoff alone would be 250 and 500 ms (an order, not a speed). */
Test(generate, fallback_on_429_honours_retry_after, .timeout = 60)
{
	long long seq = itest_sandbox_seq("runware"), t = 0, prev = 0;
	json_t *log, *q;
	size_t i, n = 0;

	expect_fallback("runware", "runware_ai",
	    "{\"status\":429,\"retry_after\":1}", "rate_limited", 3);
	log = itest_sandbox_since("runware", seq);
	json_array_foreach(log, i, q) {
		if (strcmp(json_string_value(json_object_get(q, "method")),
		    "POST") != 0)
			continue;
		t = json_integer_value(json_object_get(q, "t_ms"));
		if (n++ > 0)
			cr_assert_geq(t - prev, 1000, "try %zu came %lld ms after "
			    "the 429 with Retry-After: 1", n, t - prev);
		prev = t;
	}
	cr_assert_eq(n, 3, "three tries: %zu", n);
	json_decref(log);
}

Test(generate, fallback_on_malformed_answer, .timeout = 60)
{
	expect_fallback("runware", "runware_ai", "{\"malformed\":true}",
	    "bad_response", 3);
}

/* A truncated download is downloaded again (the image is paid for), never
 * generated again: one create call, DOWNLOAD_TRIES (3) downloads, then the
 * next provider. */
Test(generate, truncated_image_is_downloaded_again_not_generated_again,
    .timeout = 60)
{
	itest_sandbox_forget("runware");
	expect_fallback("runware", "runware_ai",
	    "{\"truncate_image\":true,\"path\":\"/img/\"}", "image_invalid", 1);
	cr_assert_eq(itest_sandbox_count("runware", "POST", "/v1"), 1);
	cr_assert_eq(itest_sandbox_count("runware", "GET", "/img/"), 3);
}

Test(generate, oversize_image_moves_on, .timeout = 60)
{
	expect_fallback("runware", "runware_ai",
	    "{\"oversize_image\":true,\"path\":\"/img/\"}", "image_too_large",
	    1);
}

Test(generate, hanging_provider_times_out_then_falls_back, .timeout = 90)
{
	expect_fallback("runware", "runware_ai", "{\"hang\":true}", "timeout",
	    3);
}

Test(generate, bad_key_moves_on_at_once, .timeout = 60)
{
	expect_fallback("runware", "runware_ai", "{\"wrong_auth\":true}",
	    "auth_failed", 1);
}

Test(generate, text_only_answer_is_no_image, .timeout = 60)
{
	struct itest_res r;

	generate(&r, "{\"prompt\":\"TEXTONLY please\",\"provider\":"
	    "\"gemini\"}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_neq(itest_str(&r, "provider"), "gemini");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    itest_attempts(&r), 0), "outcome")), "no_image");
	itest_res_fini(&r);
}

Test(generate, blocked_prompt_stops_everything)
{
	struct itest_res r;

	generate(&r, "{\"prompt\":\"BLOCKME now\",\"provider\":\"gemini\"}");
	cr_assert_eq(r.status, 422, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "content_blocked");
	cr_assert_eq(json_array_size(itest_attempts(&r)), 1);
	cr_assert_not_null(itest_str(&r, "error.generation_id"));
	itest_res_fini(&r);
}

Test(generate, no_fallback_reports_the_failure, .timeout = 60)
{
	struct itest_res r;

	itest_fault("comfyui", "{\"status\":503}");
	generate(&r, "{\"prompt\":\"x\",\"provider\":\"comfyui\","
	    "\"fallback\":false}");
	cr_assert_eq(r.status, 503, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "provider_unavailable");
	cr_assert_eq(json_array_size(itest_attempts(&r)), 3);
	itest_res_fini(&r);
}

Test(generate, dry_run_calls_nothing)
{
	struct itest_res r;
	long long seq = itest_sandbox_seq("runware");

	itest_call(&r, "POST", "/unified/generate?dry_run=1", json_h,
	    "{\"prompt\":\"a fox\",\"provider\":\"runware_ai\","
	    "\"negative_prompt\":\"blur\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "dry_run")));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "candidates"), 0), "provider")),
	    "runware_ai");
	cr_assert_eq(itest_sandbox_seq("runware"), seq, "the sandbox was "
	    "called");
	itest_res_fini(&r);
}

Test(generate, bad_requests)
{
	static const struct { const char *body; long status; const char *code; }
	    bad[] = {
		{ "{\"prompt\":\"x\",\"provider\":\"dalle\"}", 422,
		    "invalid_field" },
		{ "{\"prompt\":\"x\",\"project_id\":\"../etc\"}", 422,
		    "invalid_field" },
		{ "{\"prompt\":\"x\",\"num_images\":9}", 422, "invalid_field" },
		{ "{\"prompt\":\"  \"}", 422, "prompt_empty" },
		{ "{\"prompt\":", 400, "bad_json" },
	};
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		generate(&r, bad[i].body);
		cr_assert_eq(r.status, bad[i].status, "%s: %s", bad[i].body,
		    r.body);
		cr_assert_str_eq(itest_str(&r, "error.code"), bad[i].code);
		itest_res_fini(&r);
	}
}

/* Quick takes only prompt and provider; the rest are the defaults of
 * lib/gen/genreq.c: one image, 1024 x 1024 (what Runware is asked), the
 * project "default". */
Test(generate, quick_has_defaults)
{
	struct itest_res r;
	json_t *img, *q, *t;

	itest_call(&r, "POST", "/unified/generate/quick", json_h,
	    "{\"prompt\":\"a small boat\",\"provider\":\"runware_ai\"}",
	    (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "provider"), "runware_ai");
	cr_assert_eq(json_array_size(json_object_get(r.json, "images")), 1,
	    "%s", r.body);
	img = json_array_get(json_object_get(r.json, "images"), 0);
	cr_assert_eq(json_integer_value(json_object_get(img, "width")), 1024,
	    "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(img, "height")), 1024,
	    "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "project_id"), "default", "%s", r.body);
	q = last_request("runware", "/v1");
	t = json_array_get(json_object_get(q, "body"), 0);
	cr_assert_eq(json_integer_value(json_object_get(t, "width")), 1024);
	cr_assert_eq(json_integer_value(json_object_get(t, "height")), 1024);
	cr_assert_eq(json_integer_value(json_object_get(t, "numberResults")),
	    1);
	json_decref(q);
	itest_res_fini(&r);
	itest_call(&r, "POST", "/unified/generate/quick", json_h,
	    "{\"prompt\":\"a small boat\",\"width\":512}", (size_t)-1);
	itest_assert_error(&r, 422, "invalid_field");
	itest_res_fini(&r);
}

Test(generate, providers_endpoint, .timeout = 30)
{
	struct itest_res r;
	json_t *p;
	size_t i;

	itest_get(&r, "/unified/providers?fresh=1");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "providers")), 4);
	json_array_foreach(json_object_get(r.json, "providers"), i, p) {
		cr_assert(json_is_true(json_object_get(p, "configured")));
		cr_assert_str_eq(json_string_value(json_object_get(p,
		    "endpoint")), "sandbox");
		cr_assert(json_is_true(json_object_get(json_object_get(p,
		    "reachable"), "ok")), "%s", r.body);
		cr_assert(json_is_object(json_object_get(p, "provider_configs")));
	}
	itest_res_fini(&r);
	itest_fault("gemini", "{\"status\":500}");
	itest_get(&r, "/unified/providers?fresh=1");
	p = json_array_get(json_object_get(r.json, "providers"), 2);
	cr_assert_str_eq(json_string_value(json_object_get(p, "name")), "gemini");
	cr_assert(json_is_false(json_object_get(json_object_get(p,
	    "reachable"), "ok")));
	itest_res_fini(&r);
}

/* Polls (bounded) until provider's circuit may take its trial request:
 * its cooldown (2 s in tests) is over. */
static void
wait_cooled(const char *provider)
{
	struct itest_res r;
	json_t *p, *c = NULL;
	size_t i;
	int k;

	for (k = 0; k < 100; k++, usleep(50000)) {
		itest_get(&r, "/unified/providers");
		c = NULL;
		json_array_foreach(json_object_get(r.json, "providers"), i, p)
			if (strcmp(json_string_value(json_object_get(p,
			    "name")), provider) == 0)
				c = json_object_get(p, "circuit");
		cr_assert_not_null(c, "%s: %s", provider, r.body);
		if (json_integer_value(json_object_get(c, "open_until_ms")) <=
		    time_wall_ms()) {
			itest_res_fini(&r);
			return;
		}
		itest_res_fini(&r);
	}
	cr_assert_fail("%s's circuit never cooled down", provider);
}

Test(generate, zz_circuit_opens_then_closes, .timeout = 60)
{
	struct itest_res r;
	char *ra;

	itest_fault("leonardo", "{\"status\":500}");
	generate(&r, "{\"prompt\":\"x\",\"provider\":\"leonardo_ai\","
	    "\"fallback\":false}");
	cr_assert_eq(r.status, 503, "%s", r.body);
	itest_res_fini(&r);
	generate(&r, "{\"prompt\":\"x\",\"provider\":\"leonardo_ai\","
	    "\"fallback\":false}");
	cr_assert_eq(r.status, 503, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "no_provider", "%s",
	    r.body);
	ra = itest_header(&r, "Retry-After");
	cr_assert_not_null(ra, "Retry-After when every candidate cools down");
	free(ra);
	itest_res_fini(&r);
	itest_get(&r, "/unified/providers");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_array_get(json_object_get(r.json, "providers"), 0), "circuit"),
	    "state")), "open");
	itest_res_fini(&r);
	itest_fault("leonardo", "");
	wait_cooled("leonardo_ai");
	generate(&r, "{\"prompt\":\"x\",\"provider\":\"leonardo_ai\","
	    "\"fallback\":false,\"width\":512,\"height\":512}");
	cr_assert_eq(r.status, 200, "the trial request: %s", r.body);
	itest_res_fini(&r);
}
