/*
 * tests/unit/lib/providers/test_circuit.c - breaker states, the rate
 * limit and the places for calls in flight (a dead worker's come back),
 * including sharing across fork().
 */
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/providers/circuit.h"

static struct circuit_shm *c;

static void setup(void) { cr_assert_not_null(c = circuit_shm_new()); }
static void teardown(void) { circuit_shm_free(c); }

TestSuite(circuit, .init = setup, .fini = teardown);

Test(circuit, opens_after_threshold_consecutive_failures)
{
	int64_t at;

	circuit_record(c, "p", false, 3, 30000, 1000);
	circuit_record(c, "p", false, 3, 30000, 1000);
	cr_assert(circuit_allow(c, "p", 1000, &at));
	circuit_record(c, "p", false, 3, 30000, 1000);
	cr_assert_not(circuit_allow(c, "p", 1001, &at));
	cr_assert_eq(at, 31000);
	cr_assert(circuit_allow(c, "other", 1001, &at), "per provider");
}

Test(circuit, success_resets_the_count)
{
	int64_t at;

	circuit_record(c, "p", false, 2, 30000, 0);
	circuit_record(c, "p", true, 2, 30000, 0);
	circuit_record(c, "p", false, 2, 30000, 0);
	cr_assert(circuit_allow(c, "p", 1, &at));
}

Test(circuit, one_trial_after_cooldown_then_close_or_reopen)
{
	struct circuit_view v;
	int64_t at;

	circuit_record(c, "p", false, 1, 1000, 0);
	cr_assert_not(circuit_allow(c, "p", 999, &at));
	cr_assert(circuit_allow(c, "p", 1000, &at), "the trial");
	cr_assert_not(circuit_allow(c, "p", 1000, &at), "only one trial");
	circuit_view_get(c, "p", 1000, &v);
	cr_assert_eq(v.state, CIRCUIT_HALF_OPEN);
	circuit_record(c, "p", false, 5, 1000, 1000);	/* trial failed */
	cr_assert_not(circuit_allow(c, "p", 1500, &at));
	cr_assert_eq(at, 2000);
	cr_assert(circuit_allow(c, "p", 2000, &at));
	circuit_record(c, "p", true, 5, 1000, 2000);
	cr_assert(circuit_allow(c, "p", 2001, &at));
	circuit_view_get(c, "p", 2001, &v);
	cr_assert_eq(v.state, CIRCUIT_CLOSED);
	cr_assert_eq(v.opened_total, 2);
}

Test(circuit, rate_limit_per_minute_window)
{
	int64_t at;
	int i;

	for (i = 0; i < 3; i++)
		cr_assert(circuit_rate_take(c, "p", 3, 60500, &at));
	cr_assert_not(circuit_rate_take(c, "p", 3, 60900, &at));
	cr_assert_eq(at, 120000);
	cr_assert(circuit_rate_take(c, "p", 3, 120000, &at));
	cr_assert(circuit_rate_take(c, "p", 0, 120000, &at), "0 = unlimited");
}

Test(circuit, state_is_shared_with_forked_workers)
{
	int64_t at;
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		circuit_record(c, "p", false, 1, 5000, 0);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	cr_assert_not(circuit_allow(c, "p", 10, &at), "opened by the child");
}

Test(circuit, a_lost_trial_gives_way_after_a_minute)
{
	int64_t at;

	circuit_record(c, "p", false, 1, 1000, 0);
	cr_assert(circuit_allow(c, "p", 1000, &at), "trial (never reported)");
	cr_assert_not(circuit_allow(c, "p", 30000, &at));
	cr_assert(circuit_allow(c, "p", 61000, &at), "a new trial");
}

Test(circuit, places_cap_calls_in_flight)
{
	struct circuit_view v;
	int a, b, d;

	cr_assert(circuit_hold(c, "p", 0, getpid(), &a), "no cap");
	cr_assert_eq(a, -1);
	cr_assert(circuit_hold(c, "p", 2, getpid(), &a));
	cr_assert(circuit_hold(c, "p", 2, getpid(), &b));
	cr_assert_neq(a, b);
	cr_assert_not(circuit_hold(c, "p", 2, getpid(), &d), "both taken");
	cr_assert(circuit_hold(c, "q", 2, getpid(), &d), "per provider");
	circuit_view_get(c, "p", 0, &v);
	cr_assert_eq(v.in_flight, 2);
	circuit_release(c, "p", a);
	cr_assert(circuit_hold(c, "p", 2, getpid(), &d), "given back");
	cr_assert_eq(d, a);
	circuit_release(c, "p", -1);	/* nothing held: harmless */
}

Test(circuit, places_of_a_dead_worker_come_back)
{
	pid_t child = fork();
	int place;

	if (child == 0) {
		int p1, p2;

		_exit(circuit_hold(c, "p", 2, getpid(), &p1) &&
		    circuit_hold(c, "p", 2, getpid(), &p2) ? 0 : 1);
	}
	cr_assert_eq(waitpid(child, NULL, 0), child);
	/* The worker died holding both places (never released). */
	cr_assert(circuit_hold(c, "p", 2, getpid(), &place));
	cr_assert(circuit_hold(c, "p", 2, getpid(), &place));
	cr_assert_not(circuit_hold(c, "p", 2, getpid(), &place));
}
