/*
 * tests/integration/test_docs.c - /openapi.json and /docs through nginx:
 * the description is served as JSON and parses, /docs is our swagger-ui
 * page, and the scripts it loads (swagger-ui-dist's bundle, our
 * settings) are there; nothing of it reaches a worker.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

/* Asserts header name of r starts with want. */
static void
assert_header(const struct itest_res *r, const char *name, const char *want)
{
	char *v = itest_header(r, name);

	cr_assert_not_null(v, "no %s header", name);
	cr_assert(strncmp(v, want, strlen(want)) == 0, "%s: %s, not %s", name,
	    v, want);
	free(v);
}

Test(docs, openapi_json_is_the_description)
{
	struct itest_res r;

	itest_get(&r, "/openapi.json");
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	assert_header(&r, "Content-Type", "application/json");
	cr_assert_not_null(r.json, "does not parse");
	cr_assert_str_eq(itest_str(&r, "openapi"), "3.1.0");
	cr_assert_not_null(json_object_get(json_object_get(r.json, "paths"),
	    "/v1/images/generations"));
	cr_assert_null(itest_header(&r, "X-Request-Id"), "served by nginx, "
	    "not a worker");
	itest_res_fini(&r);
	itest_call(&r, "POST", "/openapi.json", NULL, "{}", (size_t)-1);
	cr_assert_eq(r.status, 403, "read-only: %ld", r.status);
	itest_res_fini(&r);
}

Test(docs, docs_is_swagger_ui_over_our_description)
{
	struct itest_res r;

	itest_get(&r, "/docs");
	cr_assert_eq(r.status, 301, "%ld", r.status);
	itest_res_fini(&r);
	itest_get(&r, "/docs/");
	cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
	assert_header(&r, "Content-Type", "text/html");
	cr_assert_not_null(strstr(r.body, "<div id=\"swagger-ui\">"), "%s",
	    r.body);
	cr_assert_not_null(strstr(r.body, "src=\"swagger-ui-bundle.js\""));
	cr_assert_not_null(strstr(r.body, "src=\"imagegen-init.js\""));
	assert_header(&r, "Content-Security-Policy", "default-src 'self'");
	itest_res_fini(&r);

	itest_get(&r, "/docs/swagger-ui-bundle.js");
	cr_assert_eq(r.status, 200, "%ld", r.status);
	assert_header(&r, "Content-Type", "application/javascript");
	cr_assert_gt(r.len, 100000, "the bundle, %zu bytes", r.len);
	cr_assert_not_null(strstr(r.body, "SwaggerUIBundle"));
	itest_res_fini(&r);

	itest_get(&r, "/docs/swagger-ui.css");
	cr_assert_eq(r.status, 200, "%ld", r.status);
	itest_res_fini(&r);

	itest_get(&r, "/docs/imagegen-init.js");
	cr_assert_eq(r.status, 200, "%ld", r.status);
	cr_assert_not_null(strstr(r.body, "url: \"/openapi.json\""), "%s",
	    r.body);
	itest_res_fini(&r);

	itest_get(&r, "/docs/no-such-file.js");
	cr_assert_eq(r.status, 404, "%ld", r.status);
	itest_res_fini(&r);
}
