/*
 * tests/unit/app/test_serve.c - the request pipeline in process: request
 * id, CORS, 404/405/OPTIONS, 413, error body shape.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "app/serve.h"
#include "lib/core/uuid.h"
#include "tests/helpers/testworker.h"

static struct tw t;
static struct tw_call c;

static void
setup(void)
{
	static const char *const settings[] = {
		"CORS_ORIGINS=https://app.example", "BODY_MAX_BYTES=1024",
		"DATABASE_URL=postgresql://nobody@127.0.0.1:1/none",
		"DB_CONNECT_TIMEOUT_S=1", NULL };

	tw_init(&t, settings);
}

static void
teardown(void)
{
	tw_call_fini(&c);
	tw_fini(&t);
}

TestSuite(serve, .init = setup, .fini = teardown);

Test(serve, unknown_route_is_json_404)
{
	tw_run(&t, &c, "GET", "/nope?x=1", NULL, NULL);
	cr_assert_eq(c.status, 404);
	cr_assert_str_eq(tw_str(&c, "error.code"), "not_found");
	cr_assert_not_null(tw_str(&c, "error.message"));
	cr_assert_str_eq(tw_str(&c, "error.request_id"), c.req.id);
}

Test(serve, wrong_method_is_405_with_allow)
{
	tw_run(&t, &c, "DELETE", "/health", NULL, NULL);
	cr_assert_eq(c.status, 405);
	cr_assert_str_eq(tw_str(&c, "error.code"), "method_not_allowed");
	cr_assert_str_eq(res_header_get(&c.res, "Allow"), "GET, HEAD, OPTIONS");
}

Test(serve, request_id_is_taken_when_well_formed)
{
	static const char *const h[] = { "HTTP_X_REQUEST_ID=abc-123.x:y", NULL };

	tw_run(&t, &c, "GET", "/nope", NULL, h);
	cr_assert_str_eq(res_header_get(&c.res, "X-Request-Id"),
	    "abc-123.x:y");
}

Test(serve, request_id_is_generated_when_absent)
{
	tw_run(&t, &c, "GET", "/nope", NULL, NULL);
	cr_assert(uuid_check(res_header_get(&c.res, "X-Request-Id")));
}

Test(serve, malformed_request_id_is_400_with_a_new_id)
{
	static const char *const h[] = { "HTTP_X_REQUEST_ID=bad id<script>",
	    NULL };

	tw_run(&t, &c, "GET", "/health", NULL, h);
	cr_assert_eq(c.status, 400);
	cr_assert_str_eq(tw_str(&c, "error.code"), "invalid_request_id");
	cr_assert(uuid_check(res_header_get(&c.res, "X-Request-Id")));
}

Test(serve, request_id_length_limit)
{
	char h[200] = "HTTP_X_REQUEST_ID=";

	memset(h + strlen(h), 'a', 129);
	const char *const hs[] = { h, NULL };
	tw_run(&t, &c, "GET", "/nope", NULL, hs);
	cr_assert_eq(c.status, 400);
	cr_assert(serve_reqid_ok("a"));
	cr_assert_not(serve_reqid_ok(""));
}

Test(serve, cors_preflight_allowed)
{
	static const char *const h[] = { "HTTP_ORIGIN=https://app.example",
	    "HTTP_ACCESS_CONTROL_REQUEST_METHOD=GET", NULL };

	tw_run(&t, &c, "OPTIONS", "/health", NULL, h);
	cr_assert_eq(c.status, 204);
	cr_assert_null(c.body);
	cr_assert_str_eq(res_header_get(&c.res, "Access-Control-Allow-Origin"),
	    "https://app.example");
	cr_assert_str_eq(res_header_get(&c.res,
	    "Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
	cr_assert_not_null(res_header_get(&c.res,
	    "Access-Control-Allow-Headers"));
	cr_assert_str_eq(res_header_get(&c.res, "Vary"), "Origin");
}

Test(serve, cors_preflight_denied_is_403)
{
	static const char *const h[] = { "HTTP_ORIGIN=https://evil.example",
	    "HTTP_ACCESS_CONTROL_REQUEST_METHOD=GET", NULL };

	tw_run(&t, &c, "OPTIONS", "/health", NULL, h);
	cr_assert_eq(c.status, 403);
	cr_assert_str_eq(tw_str(&c, "error.code"), "origin_not_allowed");
	cr_assert_null(res_header_get(&c.res, "Access-Control-Allow-Origin"));
}

Test(serve, plain_options_lists_allow)
{
	tw_run(&t, &c, "OPTIONS", "/health", NULL, NULL);
	cr_assert_eq(c.status, 204);
	cr_assert_str_eq(res_header_get(&c.res, "Allow"), "GET, HEAD, OPTIONS");
}

Test(serve, disallowed_origin_gets_no_cors_headers)
{
	static const char *const h[] = { "HTTP_ORIGIN=https://evil.example",
	    NULL };

	tw_run(&t, &c, "GET", "/nope", NULL, h);
	cr_assert_null(res_header_get(&c.res, "Access-Control-Allow-Origin"));
}

Test(serve, body_over_cap_is_413)
{
	char big[2048];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tw_run(&t, &c, "POST", "/health", big, NULL);
	cr_assert_eq(c.status, 413);
	cr_assert_str_eq(tw_str(&c, "error.code"), "payload_too_large");
}
