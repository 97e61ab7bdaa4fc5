/*
 * tests/unit/handlers/test_health.c - GET /health in process, with the
 * database unreachable (the integration tests cover the healthy case).
 */
#include <unistd.h>

#include <criterion/criterion.h>

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

Test(health, database_down_is_503_degraded)
{
	json_t *db;

	tw_run(&t, &c, "GET", "/health", NULL, NULL);
	cr_assert_eq(c.status, 503);
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
	cr_assert_eq(c.status, 503);
}
