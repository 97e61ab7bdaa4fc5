/*
 * tests/integration/test_provider_rules.c - Gemini and Runware as the
 * real APIs behave (shared/providers/{gemini,runware}.md, "Checked against
 * public sources"): the sandbox refuses what they refuse, with their
 * status and body, and imagegen maps each answer to the right outcome
 * through nginx, in generations and in /unified/providers health.
 * Not here: the adapters' parsing of recorded answers (unit replay tests).
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(rules, .init = itest_faults_clear, .fini = itest_faults_clear);

static size_t
sink(char *p, size_t sz, size_t n, void *buf)
{
	size_t have = strlen(buf), add = sz * n;

	if (have + add < 4096) {
		memcpy((char *)buf + have, p, add);
		((char *)buf)[have + add] = '\0';
	}
	return sz * n;
}

/* POSTs body straight to the sandbox of kind (no imagegen in between):
 * its status, its JSON answer (new reference) into *j. */
static long
sandbox_post(const char *kind, const char *path, const char *hdr,
    const char *body, json_t **j)
{
	char url[256], buf[4096] = "";
	struct curl_slist *hl = curl_slist_append(NULL,
	    "Content-Type: application/json");
	CURL *c = curl_easy_init();
	long status = 0;

	hl = curl_slist_append(hl, hdr);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s",
	    itest_sandbox_port(kind), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, buf);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hl);
	*j = json_loads(buf, 0, NULL);
	cr_assert_not_null(*j, "%s", buf);
	return status;
}

static void
generate(struct itest_res *r, const char *body)
{
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
}

/* The provider name's "reachable" object of a fresh /unified/providers. */
static json_t *
reachable(struct itest_res *r, const char *name)
{
	json_t *p;
	size_t i;

	itest_get(r, "/unified/providers?fresh=1");
	cr_assert_eq(r->status, 200, "%s", r->body);
	json_array_foreach(json_object_get(r->json, "providers"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    name) == 0)
			return json_object_get(p, "reachable");
	cr_assert_fail("%s not listed", name);
	return NULL;
}

/* The first task of the last POST /v1 the Runware sandbox got (new ref). */
static json_t *
last_runware_task(void)
{
	json_t *all = itest_sandbox_requests("runware"), *t;

	t = json_array_get(json_object_get(json_array_get(all,
	    json_array_size(all) - 1), "body"), 0);
	json_incref(t);
	json_decref(all);
	return t;
}

/* ---- the sandbox is as strict as the real APIs ---- */

Test(rules, sandbox_gemini_bad_key_is_400_api_key_invalid)
{
	json_t *j, *d;

	cr_assert_eq(sandbox_post("gemini", "/v1beta/models/gemini-2.5-flash-"
	    "image:generateContent", "x-goog-api-key: nope", "{}", &j), 400);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j,
	    "error"), "status")), "INVALID_ARGUMENT");
	d = json_array_get(json_object_get(json_object_get(j, "error"),
	    "details"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(d, "@type")),
	    "type.googleapis.com/google.rpc.ErrorInfo");
	cr_assert_str_eq(json_string_value(json_object_get(d, "reason")),
	    "API_KEY_INVALID");
	json_decref(j);
}

Test(rules, sandbox_gemini_unknown_field_is_invalid_argument)
{
	json_t *j;

	cr_assert_eq(sandbox_post("gemini", "/v1beta/models/gemini-2.5-flash-"
	    "image:generateContent", "x-goog-api-key: sandbox-key",
	    "{\"contents\":[{\"parts\":[{\"text\":\"a fox\"}]}],"
	    "\"generationConfig\":{\"responseModalities\":[\"IMAGE\"],"
	    "\"negativePrompt\":\"blur\"}}", &j), 400);
	cr_assert(strstr(json_string_value(json_object_get(json_object_get(j,
	    "error"), "message")), "Unknown name \"negativePrompt\"") != NULL);
	json_decref(j);
}

/* Runware rules: each body is refused with 400 and the error code. */
Test(rules, sandbox_runware_refuses_what_runware_refuses)
{
	static const struct { const char *task, *code; } t[] = {
		{ "\"seed\":0", "invalidSeed" },
		{ "\"negativePrompt\":\"x\"", "invalidNegativePrompt" },
		{ "\"width\":500", "invalidWidth" },
		{ "\"height\":2112", "invalidHeight" },
	};
	char body[512];
	json_t *j;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(body, sizeof(body), "[{\"taskType\":\"imageInference\","
		    "\"taskUUID\":\"0b6e2b1e-8d0c-4d5e-9d3a-1c2b3a4d5e6f\","
		    "\"positivePrompt\":\"a fox\",\"model\":\"runware:101@1\","
		    "\"width\":512,\"height\":512,%s}]", t[i].task);
		cr_expect_eq(sandbox_post("runware", "/v1", "Authorization: "
		    "Bearer sandbox-key", body, &j), 400, "%s", t[i].task);
		cr_expect_str_eq(json_string_value(json_object_get(
		    json_array_get(json_object_get(j, "errors"), 0), "code")),
		    t[i].code, "%s", t[i].task);
		json_decref(j);
	}
}

Test(rules, sandbox_runware_bad_key_and_http_ping)
{
	json_t *j, *e;

	cr_assert_eq(sandbox_post("runware", "/v1", "Authorization: Bearer no",
	    "[{\"taskType\":\"authentication\",\"apiKey\":\"no\"}]", &j), 401);
	e = json_array_get(json_object_get(j, "errors"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(e, "code")),
	    "invalidApiKey");
	cr_assert_str_eq(json_string_value(json_object_get(e, "taskType")),
	    "authentication");
	json_decref(j);
	cr_assert_eq(sandbox_post("runware", "/v1", "Authorization: Bearer "
	    "sandbox-key", "[{\"taskType\":\"ping\",\"ping\":true}]", &j), 400,
	    "ping is a WebSocket task");
	json_decref(j);
}

/* ---- imagegen maps the real answers ---- */

Test(rules, gemini_bad_key_is_auth_failed, .timeout = 60)
{
	struct itest_res r;

	itest_fault("gemini", "{\"wrong_auth\":true}");
	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"gemini\","
	    "\"fallback\":false}");
	itest_assert_error(&r, 502, "auth_failed");
	itest_res_fini(&r);
	cr_assert_str_eq(json_string_value(json_object_get(reachable(&r,
	    "gemini"), "error")), "auth_failed", "%s", r.body);
	itest_res_fini(&r);
}

Test(rules, gemini_image_recitation_is_content_blocked, .timeout = 60)
{
	struct itest_res r;

	itest_fault("gemini", "{\"finish_reason\":\"IMAGE_RECITATION\"}");
	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"gemini\"}");
	itest_assert_error(&r, 422, "content_blocked");
	itest_res_fini(&r);
}

Test(rules, runware_health_over_http, .timeout = 60)
{
	struct itest_res r;
	json_t *t;

	cr_assert(json_is_true(json_object_get(reachable(&r, "runware_ai"),
	    "ok")), "%s", r.body);
	itest_res_fini(&r);
	t = last_runware_task();
	cr_assert_str_eq(json_string_value(json_object_get(t, "taskType")),
	    "authentication");
	json_decref(t);
	itest_fault("runware", "{\"wrong_auth\":true}");
	cr_assert_str_eq(json_string_value(json_object_get(reachable(&r,
	    "runware_ai"), "error")), "auth_failed", "%s", r.body);
	itest_res_fini(&r);
}

Test(rules, runware_short_negative_prompt_is_left_out, .timeout = 60)
{
	struct itest_res r;
	json_t *t;

	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"runware_ai\","
	    "\"negative_prompt\":\"x\",\"fallback\":false}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	t = last_runware_task();
	cr_assert_null(json_object_get(t, "negativePrompt"));
	json_decref(t);
}

Test(rules, runware_never_gets_seed_zero, .timeout = 60)
{
	struct itest_res r;

	itest_sandbox_forget("runware");
	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"runware_ai\","
	    "\"seed\":0,\"fallback\":false}");
	cr_assert_eq(itest_sandbox_count("runware", "POST", "/v1"), 0, "%s",
	    r.body);
	cr_assert(strstr(r.body, "seed") != NULL, "%s", r.body);
	itest_res_fini(&r);
	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"runware_ai\","
	    "\"seed\":1,\"fallback\":false}");
	cr_assert_eq(r.status, 200, "seed 1 is Runware's first: %s", r.body);
	itest_res_fini(&r);
}
