/*
 * tests/unit/app/test_cors.c - CORS origin decisions.
 */
#include <criterion/criterion.h>

#include "app/cors.h"

#define LIST "https://app.example, http://localhost:3000 ,https://b.example/"

Test(cors, no_origin_is_not_cors)
{
	cr_assert_eq(cors_check(LIST, NULL), CORS_NONE);
}

Test(cors, listed_origins_are_allowed)
{
	cr_assert_eq(cors_check(LIST, "https://app.example"), CORS_ALLOWED);
	cr_assert_eq(cors_check(LIST, "http://localhost:3000"), CORS_ALLOWED);
	cr_assert_eq(cors_check(LIST, "HTTPS://APP.EXAMPLE"), CORS_ALLOWED);
	cr_assert_eq(cors_check(LIST, "https://b.example"), CORS_ALLOWED);
}

Test(cors, near_misses_are_denied)
{
	cr_assert_eq(cors_check(LIST, "http://app.example"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, "https://app.example:8443"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, "https://app.example.evil"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, "https://evil.app.example"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, "http://localhost:30000"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, "null"), CORS_DENIED);
	cr_assert_eq(cors_check(LIST, ""), CORS_DENIED);
}

Test(cors, empty_list_denies_everything)
{
	cr_assert_eq(cors_check("", "https://app.example"), CORS_DENIED);
	cr_assert_eq(cors_check(NULL, "https://app.example"), CORS_DENIED);
}

Test(cors, star_allows_any)
{
	cr_assert_eq(cors_check("*", "https://whatever.example"), CORS_ALLOWED);
}

Test(cors, preflight_needs_options_and_request_method)
{
	cr_assert(cors_is_preflight("OPTIONS", "POST"));
	cr_assert_not(cors_is_preflight("OPTIONS", NULL));
	cr_assert_not(cors_is_preflight("OPTIONS", ""));
	cr_assert_not(cors_is_preflight("GET", "POST"));
}
