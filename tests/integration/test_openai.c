/*
 * tests/integration/test_openai.c - POST /v1/images/generations through
 * nginx: OpenAI's own SDK (the openai npm package, unmodified:
 * tests/node/openai_images.mjs) generates with url and b64_json, n=2,
 * and gets its typed errors; here, the error shape and statuses as
 * OpenAI answers them, and the job queued like any other (the wait
 * endpoint answers, not the worker).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

#define OUT_MAX	16384

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static const char *const nokey_h[] = { "Content-Type: application/json",
    "Authorization:", NULL };

TestSuite(openai, .init = itest_faults_clear);

Test(openai, the_official_sdk_generates_and_raises_typed_errors,
    .timeout = 120)
{
	char out[OUT_MAX];
	int st;

	st = itest_node_client("openai_images.mjs", out, sizeof(out));
	cr_log_info("%s", out);
	cr_assert_eq(st, 0, "node openai_images.mjs:\n%s", out);
	cr_assert_not_null(strstr(out, "checks: 8 ok, 0 failing"), "%s", out);
}

Test(openai, errors_have_openais_shape_and_status)
{
	struct itest_res r;

	itest_call(&r, "POST", "/v1/images/generations", json_h,
	    "{\"prompt\":\"a fox\",\"size\":\"10x10\"}", (size_t)-1);
	cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
	cr_assert_str_eq(itest_str(&r, "error.type"), "invalid_request_error");
	cr_assert_str_eq(itest_str(&r, "error.param"), "size", "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "invalid_field");
	cr_assert_not_null(itest_str(&r, "error.message"));
	itest_res_fini(&r);

	itest_call(&r, "POST", "/v1/images/generations", json_h,
	    "{\"prompt\":\"a fox\",\"colour\":\"red\"}", (size_t)-1);
	cr_assert_eq(r.status, 400, "%ld %s", r.status, r.body);
	itest_res_fini(&r);

	itest_call(&r, "POST", "/v1/images/generations", nokey_h,
	    "{\"prompt\":\"a fox\"}", (size_t)-1);
	cr_assert_eq(r.status, 401, "%ld %s", r.status, r.body);
	cr_assert_str_eq(itest_str(&r, "error.type"), "authentication_error");
	cr_assert_str_eq(itest_str(&r, "error.code"), "unauthorized");
	itest_res_fini(&r);

	itest_call(&r, "GET", "/v1/models", NULL, NULL, 0);
	cr_assert_eq(r.status, 404, "%ld %s", r.status, r.body);
	cr_assert_str_eq(itest_str(&r, "error.type"), "invalid_request_error");
	itest_res_fini(&r);
}

Test(openai, a_job_like_any_other_readable_by_its_id)
{
	struct itest_res r, j;
	char path[128];

	itest_call(&r, "POST", "/v1/images/generations", json_h,
	    "{\"prompt\":\"a heron at dawn\",\"model\":\"runware\"}",
	    (size_t)-1);
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "data")), 1);
	cr_assert_not_null(itest_str(&r, "generation_id"));
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "generation_id"));
	itest_get(&j, path);
	cr_assert_eq(j.status, 200, "%s", j.body);
	cr_assert_str_eq(itest_str(&j, "status"), "completed");
	cr_assert_str_eq(itest_str(&j, "provider"), "runware_ai");
	itest_res_fini(&j);
	itest_res_fini(&r);
}

/* A wait that ends before the job: OpenAI's 504, which its SDKs would
 * send again (a second paid job beside the running one) but for
 * x-should-retry: false. */
Test(openai, a_wait_that_ends_first_is_not_retried, .timeout = 60)
{
	const char *h[] = { "Content-Type: application/json",
	    "Prefer: wait=1", NULL };
	struct itest_res r;
	char *v;

	itest_fault("gemini", "{\"latency_ms\":1800}");
	itest_call(&r, "POST", "/v1/images/generations", h,
	    "{\"prompt\":\"a slow heron\",\"model\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 504, "%ld %s", r.status, r.body);
	cr_assert_str_eq(itest_str(&r, "error.type"), "server_error");
	v = itest_header(&r, "x-should-retry");
	cr_assert(v != NULL && strcmp(v, "false") == 0, "x-should-retry: %s",
	    v ? v : "(absent)");
	free(v);
	itest_res_fini(&r);
}
