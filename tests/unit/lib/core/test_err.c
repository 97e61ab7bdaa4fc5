/*
 * tests/unit/lib/core/test_err.c - the error table: statuses and codes.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/core/err.h"

Test(err, every_value_has_a_row)
{
	int e;

	for (e = 0; e < ERR__MAX; e++) {
		cr_assert_not_null(err_row_get(e)->code, "enum %d", e);
		cr_assert(err_status(e) >= 200 && err_status(e) < 600);
	}
}

Test(err, codes_are_unique)
{
	int a, b;

	for (a = 0; a < ERR__MAX; a++)
		for (b = a + 1; b < ERR__MAX; b++)
			cr_assert_str_neq(err_code(a), err_code(b));
}

Test(err, known_mappings)
{
	cr_assert_eq(err_status(ERR_NOT_FOUND), 404);
	cr_assert_eq(err_status(ERR_METHOD_NOT_ALLOWED), 405);
	cr_assert_eq(err_status(ERR_PAYLOAD_TOO_LARGE), 413);
	cr_assert_eq(err_status(ERR_DB_UNAVAILABLE), 503);
	cr_assert_str_eq(err_code(ERR_DB_UNAVAILABLE), "database_unavailable");
	cr_assert_eq(err_status(ERR_PROMPT_TOO_LONG), 400);
	cr_assert_eq(err_status(ERR_PROMPT_EMPTY), 422);
	cr_assert_eq(err_status(ERR_STORAGE_FULL), 507);
}

Test(err, out_of_range_is_internal)
{
	cr_assert_str_eq(err_code((enum err)9999), "internal_error");
	cr_assert_str_eq(err_code((enum err)-1), "internal_error");
}
