/*
 * tests/unit/app/test_router.c - PCRE2 route matching, captures, 404/405.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "app/router.h"
#include "lib/core/util.h"

static enum err h_a(struct request *r, struct response *s) { (void)r; (void)s; return ERR_OK; }
static enum err h_b(struct request *r, struct response *s) { (void)r; (void)s; return ERR_OK; }
static enum err h_c(struct request *r, struct response *s) { (void)r; (void)s; return ERR_OK; }

static const struct route table[] = {
	{ "GET",	"^/health$",				h_a, 0 },
	{ "POST",	"^/unified/generate$",			h_b, 0 },
	{ "GET",	"^/unified/jobs/([0-9a-f-]{36})$",	h_c, 0 },
	{ "DELETE",	"^/unified/jobs/([0-9a-f-]{36})$",	h_b, 0 },
	{ "GET",	"^/p/([a-z]+)/([0-9]+)$",		h_a, 0 },
};

static struct router r;

static void
setup(void)
{
	char why[256];

	cr_assert_eq(router_init(&r, table, NELEM(table), why, sizeof(why)),
	    ERR_OK, "%s", why);
}

static void
teardown(void)
{
	router_fini(&r);
}

TestSuite(router, .init = setup, .fini = teardown);

Test(router, matches_exact_path)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET", "/health", &m), ERR_OK);
	cr_assert_eq(m.route->fn, h_a);
	cr_assert_eq(m.ncap, 0);
}

Test(router, head_is_answered_by_get)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "HEAD", "/health", &m), ERR_OK);
	cr_assert_eq(m.route->fn, h_a);
}

Test(router, anchored_both_ends)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET", "/healthz", &m), ERR_NOT_FOUND);
	cr_assert_eq(router_match(&r, "GET", "/x/health", &m), ERR_NOT_FOUND);
	cr_assert_eq(router_match(&r, "GET", "/health\n", &m), ERR_NOT_FOUND);
}

Test(router, unknown_path_is_404)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET", "/nope", &m), ERR_NOT_FOUND);
	cr_assert_null(m.route);
	cr_assert_str_empty(m.allow);
}

Test(router, wrong_method_is_405_with_allow)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET", "/unified/generate", &m),
	    ERR_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(m.allow, "POST, OPTIONS");
	cr_assert_eq(router_match(&r, "PUT",
	    "/unified/jobs/0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b", &m),
	    ERR_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(m.allow, "GET, HEAD, DELETE, OPTIONS");
}

Test(router, options_is_never_routed)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "OPTIONS", "/health", &m),
	    ERR_METHOD_NOT_ALLOWED);
	cr_assert_str_eq(m.allow, "GET, HEAD, OPTIONS");
}

Test(router, captures_are_offsets_into_path)
{
	const char *path = "/p/abc/123";
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET", path, &m), ERR_OK);
	cr_assert_eq(m.ncap, 2);
	cr_assert_eq(strncmp(path + m.cap_off[0], "abc", m.cap_len[0]), 0);
	cr_assert_eq(m.cap_len[0], 3);
	cr_assert_eq(strncmp(path + m.cap_off[1], "123", m.cap_len[1]), 0);
}

Test(router, uuid_capture_rejects_bad_ids)
{
	struct router_match m;

	cr_assert_eq(router_match(&r, "GET",
	    "/unified/jobs/0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b", &m), ERR_OK);
	cr_assert_eq(m.route->fn, h_c);
	cr_assert_eq(router_match(&r, "GET", "/unified/jobs/../../etc", &m),
	    ERR_NOT_FOUND);
}

Test(router, bad_pattern_is_reported)
{
	static const struct route bad[] = { { "GET", "^/(unclosed$", h_a, 0 } };
	struct router b;
	char why[256] = "";

	cr_assert_eq(router_init(&b, bad, 1, why, sizeof(why)), ERR_INTERNAL);
	cr_assert(strstr(why, "^/(unclosed$") != NULL, "%s", why);
}
