/*
 * tests/integration/test_workers.c - the prefork master under the real
 * stack: respawn after kill -9, graceful reload (SIGHUP), recycling after
 * MAX_REQUESTS; no request fails in any of them.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

#define MAXW	64

static pid_t
master_pid(void)
{
	FILE *f = fopen(itest_var("run/imagegen.pid"), "r");
	long pid = 0;

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

/* Children of the master, from pgrep. */
static int
worker_pids(pid_t *out)
{
	char cmd[64], line[32];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "pgrep -P %ld", (long)master_pid());
	cr_assert_not_null(p = popen(cmd, "r"));
	while (n < MAXW && fgets(line, sizeof(line), p))
		out[n++] = (pid_t)atol(line);
	pclose(p);
	return n;
}

static int
contains(const pid_t *v, int n, pid_t x)
{
	int i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return 1;
	return 0;
}

/* n GET /health; every one must be 200. Returns how many distinct pids. */
static int
all_healthy(int n, pid_t *seen, int *nseen)
{
	struct itest_res r;
	pid_t pid;
	int i;

	for (i = 0; i < n; i++) {
		itest_get(&r, "/health?cached=1");
		cr_assert_eq(r.status, 200, "request %d: %ld %s", i, r.status,
		    r.body);
		pid = (pid_t)json_integer_value(json_object_get(r.json,
		    "worker_pid"));
		if (seen && !contains(seen, *nseen, pid) && *nseen < 4096)
			seen[(*nseen)++] = pid;
		itest_res_fini(&r);
	}
	return nseen ? *nseen : 0;
}

/* Polls (bounded) until the master has want workers, none of gone[n]. */
static void
wait_workers(int want, const pid_t *gone, int n)
{
	pid_t w[MAXW];
	int i, m = 0, k, old = 0;

	for (i = 0; i < 100; i++, usleep(50000)) {
		m = worker_pids(w);
		for (k = old = 0; k < m; k++)
			old += contains(gone, n, w[k]);
		if (m == want && old == 0)
			return;
	}
	cr_assert_fail("%d workers (%d of the old ones), %d wanted", m, old,
	    want);
}

Test(workers, respawn_after_kill_9)
{
	pid_t before[MAXW], after[MAXW];
	int n, m, i;

	n = worker_pids(before);
	cr_assert_geq(n, 2, "expected workers, got %d", n);
	cr_assert_eq(kill(before[0], SIGKILL), 0);
	wait_workers(n, before, 1);
	m = worker_pids(after);
	cr_assert_eq(m, n);
	cr_assert_not(contains(after, m, before[0]), "killed pid still there");
	for (i = 1; i < n; i++)
		cr_assert(contains(after, m, before[i]), "others untouched");
	all_healthy(60, NULL, NULL);
}

Test(workers, reload_replaces_every_worker_without_errors)
{
	pid_t before[MAXW], after[MAXW];
	int n, m, i;

	n = worker_pids(before);
	cr_assert_eq(kill(master_pid(), SIGHUP), 0);
	all_healthy(30, NULL, NULL);
	wait_workers(n, before, n);
	m = worker_pids(after);
	cr_assert_eq(m, n);
	for (i = 0; i < m; i++)
		cr_assert_not(contains(before, n, after[i]),
		    "pid %d survived the reload", after[i]);
	all_healthy(30, NULL, NULL);
}

Test(workers, workers_recycle_after_max_requests)
{
	static pid_t seen[4096];
	pid_t now[MAXW];
	int nseen = 0, n = worker_pids(now);
	long max = atol(getenv("MAX_REQUESTS") ? getenv("MAX_REQUESTS") : "0");

	cr_assert(max > 0 && max <= 500, "set MAX_REQUESTS for this test");
	/* Enough requests that every worker passes its limit at least once. */
	all_healthy((int)max * (n + 1), seen, &nseen);
	cr_assert_gt(nseen, n, "only %d distinct pids for %d workers", nseen,
	    n);
}
