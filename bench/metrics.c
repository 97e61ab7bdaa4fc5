/*
 * bench/metrics.c - make bench: what counting one request costs
 * (metrics_request(): a status count and a latency histogram in the
 * shared mapping), alone and with PROCS processes adding to the same
 * series at once (the worst case: one cache line bounced between cores).
 * Prints "metrics_request_ns_1proc <ns>" and "metrics_request_ns_<P>proc
 * <ns>" lines for bench/run.sh.
 * Not here: pass/fail (benchmarks print figures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/core/timeutil.h"
#include "lib/metrics/metrics.h"

#define ADDS	2000000
#define PROCS	4

static void
add_many(struct metrics_shm *m)
{
	long i;

	for (i = 0; i < ADDS; i++)
		metrics_request(m, 1, 200, 1500 + i % 5000);
}

/* ns per metrics_request() with procs processes adding at once. */
static double
run(struct metrics_shm *m, int procs)
{
	int64_t t0 = time_mono_us();
	int i, st;

	for (i = 0; i < procs; i++)
		if (fork() == 0) {
			add_many(m);
			_exit(0);
		}
	for (i = 0; i < procs; i++)
		(void)wait(&st);
	return (double)(time_mono_us() - t0) * 1000.0 / ADDS;
}

int
main(void)
{
	struct metrics_shm *m = metrics_shm_open(NULL, true);

	if (m == NULL)
		return 1;
	printf("metrics_request_ns_1proc %.1f\n", run(m, 1));
	printf("metrics_request_ns_%dproc %.1f\n", PROCS, run(m, PROCS));
	metrics_shm_free(m);
	return 0;
}
