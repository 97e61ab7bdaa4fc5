/*
 * tests/unit/lib/db/test_jobs.c - the page cursor parser of lib/db/jobs.c.
 * Not here: the queries (tests/integration/test_jobs_api.c).
 */
#include <criterion/criterion.h>

#include "lib/db/jobs.h"

#define ID	"3f2b8c1e-1d2a-4c3b-9a8e-7f6d5c4b3a21"

Test(db_jobs_cursor, splits_a_cursor_this_service_gave)
{
	char us[DB_CURSOR_US_MAX], id[DB_CURSOR_ID_MAX];

	cr_assert(db_jobs_cursor_parse("1764000000123456." ID, us, id));
	cr_assert_str_eq(us, "1764000000123456");
	cr_assert_str_eq(id, ID);
	cr_assert(db_jobs_cursor_parse("253402300799999999." ID, us, id));
}

/* 20 digits overflowed PostgreSQL's bigint; 19 its timestamptz; 36
 * dashes its uuid: each was a 500. */
Test(db_jobs_cursor, refuses_what_postgresql_cannot_take)
{
	static const char *bad[] = {
		"", ".", "zzz", "99999999999999999999",
		"99999999999999999999." ID, "9223372036854775807." ID,
		"253402300800000000." ID,
		"1.------------------------------------",
		"1." ID "x", "1." ID "\n", "-1." ID, "1" ID, "1.." ID,
	};
	char us[DB_CURSOR_US_MAX], id[DB_CURSOR_ID_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not(db_jobs_cursor_parse(bad[i], us, id), "%s",
		    bad[i]);
}
