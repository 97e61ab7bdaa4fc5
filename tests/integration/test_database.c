/*
 * tests/integration/test_database.c - PostgreSQL stopped under the
 * running stack: /health answers 503 database_unavailable (no worker
 * crash), and 200 again once it is back.
 */
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static long
health_status(const char **dberr)
{
	struct itest_res r;
	static char err[64];
	long st;
	json_t *db;

	itest_get(&r, "/health");
	st = r.status;
	db = json_object_get(r.json, "database");
	snprintf(err, sizeof(err), "%s",
	    json_string_value(json_object_get(db, "error")) ?
	    json_string_value(json_object_get(db, "error")) : "");
	if (dberr)
		*dberr = err;
	cr_assert(r.json != NULL, "not JSON: %s", r.body);
	itest_res_fini(&r);
	return st;
}

Test(database, down_is_503_then_recovers, .timeout = 120)
{
	const char *e = NULL;
	int i;
	long st = 0;

	cr_assert_eq(health_status(NULL), 200);
	cr_assert_eq(itest_stack("pg-stop"), 0);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(health_status(&e), 503);
		cr_assert_str_eq(e, "database_unavailable");
	}
	cr_assert_eq(itest_stack("pg-start"), 0);
	for (i = 0; i < 100 && st != 200; i++) {
		st = health_status(NULL);
		if (st != 200)
			usleep(100000);
	}
	cr_assert_eq(st, 200, "did not recover");
	/* Every worker reconnects, not only the one that answered. */
	for (i = 0; i < 30; i++) {
		st = health_status(NULL);
		if (st != 200) {
			usleep(300000);
			st = health_status(NULL);
		}
		cr_assert_eq(st, 200);
	}
}
