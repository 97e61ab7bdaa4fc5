/*
 * tests/integration/test_comfyui.c - ComfyUI as the real server behaves
 * (shared/providers/comfyui.md, its corrections), through nginx against
 * the sandbox: a 200 from POST /prompt with node_errors for another
 * output still makes the images; for our SaveImage node the job fails
 * with invalid_request and the next provider serves it.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(comfyui, .init = itest_faults_clear, .fini = itest_faults_clear);

static void
generate(struct itest_res *r)
{
	itest_call(r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a lighthouse\",\"provider\":\"comfyui\",\"width\":512,"
	    "\"height\":512}", (size_t)-1);
}

Test(comfyui, node_errors_of_another_output_still_succeed)
{
	struct itest_res r;

	itest_fault("comfyui", "{\"node_errors\":\"12\"}");
	generate(&r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "provider"), "comfyui", "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "images")), 1);
	cr_assert_eq(json_array_size(itest_attempts(&r)), 1, "%s", r.body);
	itest_res_fini(&r);
}

Test(comfyui, node_errors_of_our_output_fail_clearly)
{
	struct itest_res r;

	itest_fault("comfyui", "{\"node_errors\":\"9\"}");
	generate(&r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_neq(itest_str(&r, "provider"), "comfyui");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    itest_attempts(&r), 0), "outcome")), "invalid_request", "%s", r.body);
	cr_assert_eq(json_array_size(itest_attempts(&r)), 2, "%s", r.body);
	itest_res_fini(&r);
}
