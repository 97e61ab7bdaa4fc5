/*
 * tests/faults/test_drills.c - fault drills under load against the test
 * stack (wrk on loopback, bounded in time):
 * - kill -9 of a worker under load: the master respawns it and no request
 *   other than the one in flight fails;
 * - PostgreSQL stopped and started under load: only 200/503 answers, no
 *   socket error, no worker crash, full recovery after.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

struct wrk_sum {
	long	requests;
	long	non2xx;
	long	sockerr;
};

/* Starts wrk in the background for secs on path; read with wrk_wait(). */
static FILE *
wrk_start(const char *path, int secs, int conns)
{
	char cmd[1024];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "wrk -t2 -c%d -d%ds -s '%s/bench/wrk/"
	    "report.lua' '%s%s' 2>&1", conns, secs, getenv("IMAGEGEN_ROOT") ?
	    getenv("IMAGEGEN_ROOT") : ".", itest_base(), path);
	cr_assert_not_null(p = popen(cmd, "r"));
	return p;
}

static struct wrk_sum
wrk_wait(FILE *p)
{
	struct wrk_sum s = { -1, -1, -1 };
	char line[512];

	while (fgets(line, sizeof(line), p))
		if (strncmp(line, "WRK ", 4) == 0)
			sscanf(line, "WRK requests=%ld rps=%*f p50_ms=%*f "
			    "p99_ms=%*f non2xx=%ld sockerr=%ld", &s.requests,
			    &s.non2xx, &s.sockerr);
	pclose(p);
	cr_assert_geq(s.requests, 0, "no wrk summary");
	return s;
}

static int
worker_pids(pid_t *out, int max)
{
	char cmd[128], line[32];
	FILE *f = fopen(itest_var("run/imagegen.pid"), "r"), *p;
	long master = 0;
	int n = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%ld", &master), 1);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "pgrep -P %ld", master);
	cr_assert_not_null(p = popen(cmd, "r"));
	while (n < max && fgets(line, sizeof(line), p))
		out[n++] = (pid_t)atol(line);
	pclose(p);
	return n;
}

/* Lines of the service log saying a worker died abnormally. */
static int
deaths(void)
{
	char line[4096];
	FILE *f = fopen(itest_var("log/imagegen.log"), "r");
	int n = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "\"msg\":\"worker ") != NULL &&
		    strstr(line, " died (") != NULL;
	fclose(f);
	return n;
}

/* SIGKILL to one live worker (they recycle, so a pid may be gone). */
static void
kill_one_worker(void)
{
	pid_t w[64];
	int i, n;

	for (i = 0; i < 20; i++) {
		n = worker_pids(w, 64);
		if (n > 0 && kill(w[n - 1], SIGKILL) == 0)
			return;
	}
	cr_assert_fail("no worker could be killed");
}

Test(drills, kill_9_under_load_fails_at_most_the_request_in_flight,
    .timeout = 60)
{
	pid_t w[64];
	FILE *p;
	struct wrk_sum s;
	int n, i, d0 = deaths();

	n = worker_pids(w, 64);
	cr_assert_geq(n, 2);
	p = wrk_start("/health?cached=1", 4, 16);
	sleep(1);
	kill_one_worker();
	s = wrk_wait(p);
	cr_assert_gt(s.requests, 1000, "load too small: %ld", s.requests);
	cr_assert_leq(s.non2xx, 1, "%ld failed requests", s.non2xx);
	cr_assert_eq(s.sockerr, 0);
	cr_assert_eq(deaths(), d0 + 1, "one death logged");
	for (i = 0; i < 40 && worker_pids(w, 64) != n; i++)
		usleep(50000);
	cr_assert_eq(worker_pids(w, 64), n, "worker not respawned");
}

Test(drills, database_restart_under_load, .timeout = 120)
{
	pid_t before[64], after[64];
	struct itest_res r;
	FILE *p;
	struct wrk_sum s;
	int n, i, d0 = deaths();

	n = worker_pids(before, 64);
	p = wrk_start("/health", 5, 16);
	sleep(1);
	cr_assert_eq(itest_stack("pg-stop"), 0);
	sleep(1);
	cr_assert_eq(itest_stack("pg-start"), 0);
	s = wrk_wait(p);
	cr_assert_eq(s.sockerr, 0, "socket errors: %ld", s.sockerr);
	cr_assert_gt(s.non2xx, 0, "the outage was not seen");
	for (i = 0; i < 40 && worker_pids(after, 64) != n; i++)
		usleep(50000);		/* a recycled worker being replaced */
	cr_assert_eq(worker_pids(after, 64), n);
	cr_assert_eq(deaths(), d0, "a worker crashed");
	for (i = 0; i < 50; i++) {
		itest_get(&r, "/health");
		if (r.status == 200 && i > 10)
			break;
		itest_res_fini(&r);
		usleep(100000);
	}
	cr_assert_eq(r.status, 200, "no recovery: %s", r.body);
	itest_res_fini(&r);
}
