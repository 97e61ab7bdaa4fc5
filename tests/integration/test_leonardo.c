/*
 * tests/integration/test_leonardo.c - Leonardo as the real API behaves
 * (shared/providers/leonardo.md, its corrections), through nginx against
 * the strict sandbox: styles with alchemy, unknown styles refused before
 * any call, a malformed key is auth_failed and opens no circuit; and the
 * sandbox itself refusing what Leonardo refuses, with its status and body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"
#include "tests/sandbox/sandbox.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(leonardo, .init = itest_faults_clear, .fini = itest_faults_clear);

static void
generate(struct itest_res *r, const char *body)
{
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
}

static const char *
attempt_outcome(const struct itest_res *r, size_t i)
{
	return json_string_value(json_object_get(json_array_get(
	    itest_attempts(r), i), "outcome"));
}

/* The body of the last POST /generations the sandbox got (new ref). */
static json_t *
last_create(void)
{
	json_t *all = itest_sandbox_requests("leonardo"), *hit = NULL, *q;
	size_t i;

	json_array_foreach(all, i, q)
		if (strstr(json_string_value(json_object_get(q, "path")),
		    "/generations") && strcmp(json_string_value(
		    json_object_get(q, "method")), "POST") == 0)
			hit = json_object_get(q, "body");
	json_incref(hit);
	json_decref(all);
	return hit;
}

Test(leonardo, style_goes_with_alchemy)
{
	struct itest_res r;
	json_t *b;

	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"leonardo_ai\","
	    "\"fallback\":false,\"style\":\"anime\",\"width\":512,"
	    "\"height\":512}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "provider"), "leonardo_ai");
	b = last_create();
	cr_assert_str_eq(json_string_value(json_object_get(b, "presetStyle")),
	    "ANIME");
	cr_assert(json_is_true(json_object_get(b, "alchemy")));
	json_decref(b);
	itest_res_fini(&r);
}

Test(leonardo, style_without_a_preset_is_422)
{
	struct itest_res r;

	generate(&r, "{\"prompt\":\"a red fox\",\"provider\":\"leonardo_ai\","
	    "\"style\":\"cinematic\"}");
	itest_assert_error(&r, 422, "invalid_field");
	cr_assert(strstr(itest_str(&r, "error.message"), "style") != NULL);
	itest_res_fini(&r);
}

/* Today's key is "not a UUID": Leonardo's authorization hook answers 500.
 * One attempt, auth_failed, the next provider; Leonardo's circuit stays
 * closed (CIRCUIT_FAILURES=3 in tests), so it serves the next request. */
Test(leonardo, malformed_key_is_auth_failed_not_an_outage, .timeout = 60)
{
	struct itest_res r;
	int i;

	itest_fault("leonardo", "{\"key\":\"sandbox-key\"}");
	for (i = 0; i < 3; i++) {
		generate(&r, "{\"prompt\":\"a lighthouse\",\"provider\":"
		    "\"leonardo_ai\",\"width\":512,\"height\":512}");
		cr_assert_eq(r.status, 200, "%s", r.body);
		cr_assert_str_neq(itest_str(&r, "provider"), "leonardo_ai");
		cr_assert_str_eq(attempt_outcome(&r, 0), "auth_failed", "%s",
		    r.body);
		cr_assert_str_eq(attempt_outcome(&r, 1), "ok", "%s", r.body);
		itest_res_fini(&r);
	}
	itest_fault("leonardo", "");
	generate(&r, "{\"prompt\":\"a lighthouse\",\"provider\":"
	    "\"leonardo_ai\",\"fallback\":false,\"width\":512,\"height\":512}");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "provider"), "leonardo_ai");
	itest_res_fini(&r);
}

Test(leonardo, wrong_key_is_auth_failed, .timeout = 60)
{
	struct itest_res r;

	itest_fault("leonardo", "{\"key\":\"00000000-0000-4000-8000-"
	    "000000000000\"}");
	generate(&r, "{\"prompt\":\"a lighthouse\",\"provider\":"
	    "\"leonardo_ai\",\"fallback\":false}");
	cr_assert_eq(r.status, 502, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "auth_failed");
	itest_res_fini(&r);
}

/* POST /generations straight to the sandbox with key and body. */
static void
create(struct itest_res *r, const char *key, const char *body)
{
	char base[64], auth[128], *saved = strdup(itest_base());
	const char *h[] = { "Content-Type: application/json", auth, NULL };

	snprintf(base, sizeof(base), "http://127.0.0.1:%d",
	    itest_sandbox_port("leonardo"));
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	setenv("IMAGEGEN_TEST_URL", base, 1);
	itest_call(r, "POST", "/api/rest/v1/generations", h, body,
	    (size_t)-1);
	setenv("IMAGEGEN_TEST_URL", saved, 1);
	free(saved);
}

/* Each row: a key and a body, Leonardo's status and error code. */
Test(leonardo, sandbox_refuses_what_leonardo_refuses)
{
	static const struct {
		const char	*key, *body;
		long		 status;
		const char	*code;
	} t[] = {
		{ "sandbox-key", "{\"prompt\":\"p\"}", 500, "unexpected" },
		{ "00000000-0000-4000-8000-000000000000", "{\"prompt\":\"p\"}",
		    401, "access-denied" },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"presetStyle\":"
		    "\"ANIME\"}", 400, "invalid-parameter" },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"presetStyle\":"
		    "\"CINEMATIC\",\"alchemy\":true}", 400, "invalid-parameter" },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"presetStyle\":"
		    "\"LEONARDO\"}", 200, NULL },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"presetStyle\":"
		    "\"ANIME\",\"alchemy\":true}", 200, NULL },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"num_images\":5,"
		    "\"width\":1024,\"height\":768}", 400, "invalid-parameter" },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"num_images\":5,"
		    "\"width\":768,\"height\":768}", 200, NULL },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"width\":1020,"
		    "\"height\":768}", 400, "invalid-parameter" },
		{ SB_LEONARDO_KEY, "{\"prompt\":\"p\",\"style\":\"x\"}", 400,
		    "validation-failed" },
	};
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		create(&r, t[i].key, t[i].body);
		cr_expect_eq(r.status, t[i].status, "%s: %ld %s", t[i].body,
		    r.status, r.body);
		if (t[i].code)
			cr_expect_str_eq(json_string_value(json_object_get(
			    r.json, "code")), t[i].code, "%s", r.body);
		itest_res_fini(&r);
	}
	create(&r, "sandbox-key", "{\"prompt\":\"p\"}");
	cr_assert_str_eq(json_string_value(json_object_get(r.json, "error")),
	    "Invalid response from authorization hook");
	itest_res_fini(&r);
}
