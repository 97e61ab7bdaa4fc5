/*
 * tests/unit/handlers/test_metrics.c - GET /metrics in process: who may
 * read it (METRICS_ACCESS with AUTH on: loopback, public, key; AUTH off),
 * its content type, and its gauges with the database away (the deltas
 * of real traffic: tests/integration/test_metrics.c).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/metrics/metrics.h"
#include "tests/helpers/testworker.h"

static struct tw t;
static struct tw_call c;

static void
call_reset(void)
{
	tw_call_fini(&c);
	memset(&c, 0, sizeof(c));
}

/* A worker with access mode and AUTH auth, its counters mapped. */
static void
start(const char *access, const char *auth)
{
	static char a[64], b[64];
	const char *settings[] = { a, b,
		"DATABASE_URL=postgresql://nobody@127.0.0.1:1/none",
		"DB_CONNECT_TIMEOUT_S=1", NULL };

	snprintf(a, sizeof(a), "METRICS_ACCESS=%s", access);
	snprintf(b, sizeof(b), "AUTH=%s", auth);
	tw_init(&t, settings);
	cr_assert_not_null(t.w.metrics = metrics_shm_open(NULL, true));
	cr_assert_not_null(t.w.circuits = circuit_shm_new());
}

/* GET /metrics from address addr: its status. */
static int
scrape_from(const char *addr)
{
	char ra[64];
	const char *h[] = { ra, NULL };

	snprintf(ra, sizeof(ra), "REMOTE_ADDR=%s", addr);
	call_reset();
	tw_run(&t, &c, "GET", "/metrics", NULL, h);
	return c.status;
}

static void
teardown(void)
{
	call_reset();
	metrics_shm_free(t.w.metrics);
	circuit_shm_free(t.w.circuits);
	t.w.metrics = NULL;
	t.w.circuits = NULL;
	tw_fini(&t);
}

TestSuite(metrics, .fini = teardown);

Test(metrics, loopback_needs_no_key_others_a_read_key)
{
	start("loopback", "on");
	cr_assert_eq(scrape_from("127.0.0.1"), 200, "%s", c.body);
	cr_assert_eq(scrape_from("::1"), 200);
	cr_assert_eq(scrape_from("10.1.2.3"), 401);
	cr_assert_str_eq(tw_str(&c, "error.code"), "unauthorized");
	cr_assert_eq(scrape_from("128.0.0.1"), 401);
}

Test(metrics, key_mode_asks_loopback_clients_too)
{
	start("key", "on");
	cr_assert_eq(scrape_from("127.0.0.1"), 401);
}

Test(metrics, public_mode_and_auth_off_let_anyone_in)
{
	start("public", "on");
	cr_assert_eq(scrape_from("10.1.2.3"), 200);
	teardown();
	start("loopback", "off");
	cr_assert_eq(scrape_from("10.1.2.3"), 200);
}

Test(metrics, prometheus_text_with_the_database_away)
{
	start("loopback", "on");
	cr_assert_eq(scrape_from("127.0.0.1"), 200);
	cr_assert_str_eq(c.res.content_type,
	    "text/plain; version=0.0.4; charset=utf-8");
	cr_assert_null(c.json, "not JSON");
	cr_assert_not_null(strstr(c.body, "\nimagegen_database_up 0\n"), "%s",
	    c.body);
	cr_assert_null(strstr(c.body, "imagegen_jobs{"), "no figures then");
	cr_assert_not_null(strstr(c.body, "imagegen_circuit_state{provider="
	    "\"gemini\",state=\"closed\"} 1\n"));
	cr_assert_not_null(strstr(c.body, "# TYPE imagegen_http_requests_total "
	    "counter\n"));
}
