/*
 * tests/faults/test_drills.c - fault drills under load against the test
 * stack (wrk on loopback, bounded in time):
 * - kill -9 of a worker under load: the master respawns it and no request
 *   other than the one in flight fails;
 * - PostgreSQL stopped and started under load: /health answers 200
 *   throughout (degraded during the outage), no socket error, no worker
 *   crash, full recovery after;
 * - nothing lost: async jobs in flight through a database outage (their
 *   records spooled and written back), a runner kill -9 (taken over) and a
 *   worker kill -9 all end, recorded. Prints "faults survived: N" and
 *   "records lost: N" (tests/faults/drills.sh adds them up).
 */
#include <signal.h>
#include <stdbool.h>
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

/* Lines of the service log holding both a and b. */
static int
log_lines(const char *a, const char *b)
{
	char line[4096];
	FILE *f = fopen(itest_var("log/imagegen.log"), "r");
	int n = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, a) != NULL && strstr(line, b) != NULL;
	fclose(f);
	return n;
}

/* Lines of the service log saying a worker died abnormally. */
static int
deaths(void)
{
	return log_lines("\"msg\":\"worker ", " died (");
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

static bool	health_is(const char *status);

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
	sleep(1);			/* the load runs before the kill */
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
	int n, i, d0 = deaths(), lost0 = log_lines("database connection lost",
	    "\"role\":\"worker");

	n = worker_pids(before, 64);
	p = wrk_start("/health", 5, 16);
	sleep(1);			/* the load runs before the outage */
	cr_assert_eq(itest_stack("pg-stop"), 0);
	cr_assert(health_is("degraded"), "the outage was not seen");
	cr_assert_eq(itest_stack("pg-start"), 0);
	s = wrk_wait(p);
	cr_assert_eq(s.sockerr, 0, "socket errors: %ld", s.sockerr);
	cr_assert_eq(s.non2xx, 0, "/health is 200 (degraded) in an outage");
	cr_assert_gt(log_lines("database connection lost", "\"role\":\"worker"),
	    lost0, "the outage was not seen");
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

/* count async Gemini jobs; their ids go to ids[*n...]. */
static void
jobs_submit(char ids[][64], int *n, int count)
{
	for (; count > 0; count--, (*n)++)
		itest_submit_async("{\"prompt\":\"a lighthouse in a storm\","
		    "\"provider\":\"gemini\",\"fallback\":false}", ids[*n]);
}

/* How many of ids[0..n) have no final state recorded (yet); *done
 * counts those recorded completed. */
static int
jobs_unended(char ids[][64], int n, int *done)
{
	static const char *const final[] = { "completed", "failed",
	    "cancelled" };
	struct itest_res r;
	char path[96];
	const char *st;
	int k, f, open = 0;

	for (*done = 0, k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "/unified/jobs/%s", ids[k]);
		itest_get(&r, path);
		st = r.status == 200 ? itest_str(&r, "status") : NULL;
		for (f = 0; st != NULL && f < 3 && strcmp(st, final[f]); f++)
			continue;
		open += st == NULL || f == 3;
		*done += st != NULL && f == 0;
		itest_res_fini(&r);
	}
	return open;
}

/* Polls /health until it answers 200 with this status. */
static bool
health_is(const char *status)
{
	struct itest_res r;
	bool ok = false;
	int i;

	for (i = 0; i < 100 && !ok; i++) {
		itest_get(&r, "/health");
		ok = r.status == 200 && strcmp(itest_str(&r, "status") ?
		    itest_str(&r, "status") : "", status) == 0;
		itest_res_fini(&r);
		if (!ok)
			usleep(100 * 1000);
	}
	return ok;
}

/* Polls until the runner spooled a record (jobs ended, database down). */
static bool
spooled_some(void)
{
	char cmd[512];
	int i;

	snprintf(cmd, sizeof(cmd), "ls '%s' 2>/dev/null | grep -q '\\.json$'",
	    itest_var("spool"));
	for (i = 0; i < 150; i++, usleep(100 * 1000))
		if (system(cmd) == 0)
			return true;
	return false;
}

Test(drills, nothing_lost_through_db_runner_and_worker_faults,
    .init = itest_faults_clear, .fini = itest_faults_clear, .timeout = 240)
{
	char ids[32][64];
	int n = 0, survived = 0, done = 0, i;

	itest_fault("gemini", "{\"latency_ms\":1500}");
	/* 1. The database goes away with jobs in flight: they end, spooled. */
	jobs_submit(ids, &n, 8);
	cr_assert_eq(itest_stack("pg-stop"), 0);
	survived += health_is("degraded") && spooled_some();
	cr_assert_eq(itest_stack("pg-start"), 0);
	cr_assert(health_is("ok"), "no recovery after the database outage");
	/* 2. The runner dies with jobs in flight: the next one takes over. */
	jobs_submit(ids, &n, 8);
	cr_assert_eq(itest_stack("runner-kill"), 0);
	cr_assert_eq(itest_stack("runner-start"), 0);
	survived++;
	/* 3. A worker dies: the master respawns it. */
	kill_one_worker();
	survived += health_is("ok");
	jobs_submit(ids, &n, 8);
	/* Every job ends; the sandbox answers well, so each one that is not
	 * recorded completed lost its record (e.g. failed by the reaper). */
	for (i = 0; i < 300 && jobs_unended(ids, n, &done) > 0; i++)
		usleep(200 * 1000);
	printf("faults survived: %d\nrecords lost: %d\n", survived, n - done);
	fflush(stdout);
	cr_assert_eq(n - done, 0, "%d of %d jobs not recorded completed",
	    n - done, n);
	cr_assert_eq(survived, 3);
}
