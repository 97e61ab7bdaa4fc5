/*
 * tests/integration/test_ssrf.c - through nginx, a provider (the sandbox's
 * Leonardo or Runware) answers with a hostile image URL: user info that
 * hides the real host, an allowed origin that redirects to loopback, an
 * allowed name that resolves to loopback. The job fails with
 * image_url_refused, the internal endpoint (the sandbox's Ollama port)
 * is never reached, and the answer names no URL, address or status.
 * Also: a model with "../" or off the provider's list is refused (422)
 * before any provider is called.
 * Not here: the URL table (tests/unit/lib/gen/test_fetch.c), the
 * connect-time refusal itself (tests/unit/lib/http/test_http.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

#define SECRET	"/latest/meta-data/"	/* the internal endpoint's path */

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(ssrf, .init = itest_faults_clear, .fini = itest_faults_clear);

/* s holds none of what a client must not see about the download. */
static void
assert_no_leak(const char *s, const char *what)
{
	static const char *const words[] = { "127.0.0.1", "localhost",
	    "meta-data", "cdn.leonardo.ai", "http://", "https://", "HTTP 3",
	    "redirect", "bytes", "internal" };
	char port[16];
	size_t i;

	cr_assert(s != NULL, "%s is missing", what);
	snprintf(port, sizeof(port), ":%d", itest_sandbox_port("ollama"));
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		cr_expect(strstr(s, words[i]) == NULL, "%s names \"%s\": %s",
		    what, words[i], s);
	cr_expect(strstr(s, port) == NULL, "%s names the port: %s", what, s);
}

/* The error of a failed job (the answer, or GET /unified/jobs/{id}). */
static void
assert_refused(const json_t *er, const char *where)
{
	json_t *a;
	size_t i;

	cr_assert_str_eq(json_string_value(json_object_get(er, "code")),
	    "image_url_refused", "%s", where);
	assert_no_leak(json_string_value(json_object_get(er, "message")),
	    where);
	json_array_foreach(json_object_get(er, "attempts"), i, a) {
		cr_expect_str_eq(json_string_value(json_object_get(a,
		    "outcome")), "image_url_refused");
		assert_no_leak(json_string_value(json_object_get(a, "error")),
		    "an attempt's error");
	}
}

/* kind's fake answers with image URL url; the generation on provider
 * fails with image_url_refused and the internal endpoint is not hit. */
static void
expect_refused(const char *kind, const char *provider, const char *url)
{
	struct itest_res r, j;
	char fault[768], body[256], path[128];

	itest_sandbox_forget("ollama");
	snprintf(fault, sizeof(fault), "{\"image_url\":\"%s\"}", url);
	itest_fault(kind, fault);
	snprintf(body, sizeof(body), "{\"prompt\":\"a lighthouse\","
	    "\"provider\":\"%s\",\"fallback\":false,\"width\":512,"
	    "\"height\":512}", provider);
	itest_call(&r, "POST", "/unified/generate", json_h, body, (size_t)-1);
	cr_expect_eq(itest_sandbox_count("ollama", "GET", SECRET), 0,
	    "%s reached the internal endpoint", url);
	cr_assert_eq(r.status, 502, "%s: %s", url, r.body);
	assert_refused(json_object_get(r.json, "error"), url);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "error.generation_id"));
	itest_get(&j, path);
	cr_assert_eq(j.status, 200, "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "status"), "failed");
	assert_refused(json_object_get(j.json, "error"), path);
	itest_res_fini(&j);
	itest_res_fini(&r);
	itest_fault(kind, "");
}

Test(ssrf, user_info_hiding_the_real_host, .timeout = 60)
{
	char url[256];

	snprintf(url, sizeof(url), "http://cdn.leonardo.ai:80@127.0.0.1:%d"
	    SECRET, itest_sandbox_port("ollama"));
	expect_refused("leonardo", "leonardo_ai", url);
	expect_refused("runware", "runware_ai", url);
}

Test(ssrf, allowed_origin_redirecting_to_loopback, .timeout = 60)
{
	char url[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/redirect?to="
	    "http://127.0.0.1:%d" SECRET, itest_sandbox_port("leonardo"),
	    itest_sandbox_port("ollama"));
	expect_refused("leonardo", "leonardo_ai", url);
	cr_assert_eq(itest_sandbox_count("leonardo", "GET", "/redirect"), 1,
	    "the redirect itself was asked once (not retried)");
}

/* localhost is on PROVIDER_ALLOWED_HOSTS in tests/run-integration.sh. */
Test(ssrf, allowed_name_resolving_to_loopback, .timeout = 60)
{
	char url[256];

	snprintf(url, sizeof(url), "https://localhost:%d" SECRET,
	    itest_sandbox_port("ollama"));
	expect_refused("runware", "runware_ai", url);
}

/* A model is a plain name on the provider's list; nothing is called. */
Test(ssrf, model_path_injection_and_allowlist, .timeout = 60)
{
	static const struct {
		const char	*model;
		long		 status;
		const char	*code;
	} cases[] = {
		{ "../../../v1beta/files",		422, "invalid_field" },
		{ "gemini-2.5-flash-image/../x",	422, "invalid_field" },
		{ "gemini-2.5-flash-image:x?key=1",	422, "invalid_field" },
		{ "gemini%2F..",			422, "invalid_field" },
		{ "gemini-1.0-pro",			422, "model_not_allowed" },
		{ "runware:101@1",			422, "model_not_allowed" },
	};
	struct itest_res r;
	char body[256];
	size_t i;

	itest_sandbox_forget("gemini");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"prompt\":\"a fox\","
		    "\"provider\":\"gemini\",\"model\":\"%s\"}",
		    cases[i].model);
		itest_call(&r, "POST", "/unified/generate", json_h, body,
		    (size_t)-1);
		cr_expect_eq(r.status, cases[i].status, "%s: %s",
		    cases[i].model, r.body);
		cr_expect_str_eq(itest_str(&r, "error.code"), cases[i].code,
		    "%s: %s", cases[i].model, r.body);
		itest_res_fini(&r);
	}
	cr_assert_eq(itest_sandbox_count("gemini", "POST", "/"), 0);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a fox\",\"provider\":\"gemini\",\"model\":"
	    "\"gemini-2.5-flash-image\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
}
