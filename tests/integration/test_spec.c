/*
 * tests/integration/test_spec.c - the service answers as docs/openapi.json
 * says: tests/node/spec_answers.mjs sends requests through nginx to every
 * operation of the spec (a success and an error each where cheap) and
 * validates each answer's status and body against the schema documented
 * for it; an undocumented status or field fails.
 * Not here: the spec's lint and its routes (tests/unit/app/test_openapi.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

#define OUT_MAX	65536

TestSuite(spec, .init = itest_faults_clear);

Test(spec, every_operation_answers_as_documented, .timeout = 180)
{
	static char out[OUT_MAX];
	int st;

	st = itest_node_client("spec_answers.mjs", out, sizeof(out));
	cr_log_info("%s", out);
	cr_assert_eq(st, 0, "node spec_answers.mjs:\n%s", out);
	cr_assert_not_null(strstr(out, " answers checked, 0 failures"), "%s",
	    out);
}
