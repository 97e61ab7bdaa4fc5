/*
 * tests/unit/handlers/test_health.c - GET /health in process, with the
 * database unreachable: 200 degraded while the spool can keep records,
 * 503 once it cannot (the integration tests cover the healthy case).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/db/spool.h"
#include "tests/helpers/testworker.h"

static struct tw t;
static struct tw_call c;

static void
setup(void)
{
	static const char *const settings[] = {
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

TestSuite(health, .init = setup, .fini = teardown);

Test(health, database_down_is_200_degraded)
{
	json_t *db;

	tw_run(&t, &c, "GET", "/health", NULL, NULL);
	cr_assert_eq(c.status, 200, "the service still serves");
	cr_assert_str_eq(tw_str(&c, "status"), "degraded");
	db = json_object_get(c.json, "database");
	cr_assert(json_is_false(json_object_get(db, "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(db, "error")),
	    "database_unavailable");
	cr_assert_eq(json_integer_value(json_object_get(c.json, "worker_pid")),
	    getpid());
	cr_assert_not_null(tw_str(&c, "version"));
	cr_assert(json_is_integer(json_object_get(c.json, "uptime_s")));
}

Test(health, head_has_same_status)
{
	tw_run(&t, &c, "HEAD", "/health", NULL, NULL);
	cr_assert_eq(c.status, 200);
}

/* Nothing can keep a job record: the database is down, the spool full. */
Test(health, database_down_and_spool_full_is_503)
{
	static const char *const settings[] = {
		"DATABASE_URL=postgresql://nobody@127.0.0.1:1/none",
		"DB_CONNECT_TIMEOUT_S=1", "SPOOL_MAX_BYTES=4096",
		"SPOOL_DIR=/tmp/imagegen-health-spool", NULL };
	char big[5000];
	json_t *job;
	struct tw t2;
	struct tw_call c2;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	job = json_pack("{s:s,s:s}", "id",
	    "0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b", "pad", big);
	(void)system("rm -rf /tmp/imagegen-health-spool");
	cr_assert_eq(spool_write("/tmp/imagegen-health-spool", 1 << 20, job),
	    ERR_OK);
	json_decref(job);
	tw_init(&t2, settings);
	tw_run(&t2, &c2, "GET", "/health", NULL, NULL);
	cr_assert_eq(c2.status, 503);
	cr_assert_str_eq(tw_str(&c2, "status"), "unavailable");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    c2.json, "spool"), "error")), "insufficient_storage");
	tw_call_fini(&c2);
	tw_fini(&t2);
	(void)system("rm -rf /tmp/imagegen-health-spool");
}
