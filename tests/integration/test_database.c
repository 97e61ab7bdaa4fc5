/*
 * tests/integration/test_database.c - PostgreSQL stopped under the
 * running stack: /health answers 200 "degraded" with the database check
 * failing (database_unavailable; no worker crash; the spool keeps the
 * records), and "ok" again once it is back. The cluster is durable.
 */
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

/* The status of GET /health; 0 unless its "status" is "ok". */
static long
health_status(const char **dberr)
{
	struct itest_res r;
	static char err[64];
	long st;
	json_t *db;

	itest_get(&r, "/health");
	st = r.status;
	if (st == 200 && strcmp(itest_str(&r, "status"), "ok") != 0)
		st = 0;
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

/* The status of GET /health, which must say "degraded". */
static long
health_degraded(void)
{
	struct itest_res r;
	long st;

	itest_get(&r, "/health");
	st = r.status;
	cr_assert_str_eq(itest_str(&r, "status"), "degraded", "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "database.error"),
	    "database_unavailable");
	itest_res_fini(&r);
	return st;
}

Test(database, down_is_degraded_then_recovers, .timeout = 120)
{
	int i;
	long st = 0;

	cr_assert_eq(health_status(NULL), 200);
	cr_assert_eq(itest_stack("pg-stop"), 0);
	for (i = 0; i < 10; i++)
		cr_assert_eq(health_degraded(), 200);
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

/* make run and make test keep what they commit (fsync was off). */
Test(database, the_cluster_is_durable)
{
	struct config cfg;
	struct log lg;
	struct db db;
	PGresult *r = NULL;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	cr_assert_eq(db_exec(&db, "SHOW fsync", 0, NULL, &r), ERR_OK);
	cr_assert_str_eq(PQgetvalue(r, 0, 0), "on");
	PQclear(r);
	itest_db_close(&cfg, &db);
}
