/*
 * tests/unit/app/test_master.c - respawn back-off of the prefork master:
 * workers dying young delay the next spawn, doubling up to a cap; a
 * clean exit (recycling) or a long life resets it.
 */
#include <criterion/criterion.h>

#include "app/master.h"

Test(master, quick_crashes_back_off_exponentially)
{
	int q = 0;

	cr_assert_eq(master_respawn_delay(&q, 0, 10), 100);
	cr_assert_eq(master_respawn_delay(&q, 0, 10), 200);
	cr_assert_eq(master_respawn_delay(&q, 0, 1999), 400);
	cr_assert_eq(q, 3);
}

Test(master, back_off_is_capped)
{
	int q = 0, i;
	int64_t d = 0;

	for (i = 0; i < 40; i++)
		d = master_respawn_delay(&q, 0, 1);
	cr_assert_eq(d, BACKOFF_MAX_MS);
}

Test(master, recycling_and_long_lives_respawn_at_once)
{
	int q = 0;

	master_respawn_delay(&q, 0, 10);
	master_respawn_delay(&q, 0, 10);
	cr_assert_eq(master_respawn_delay(&q, 1, 10), 0);
	cr_assert_eq(q, 0);
	master_respawn_delay(&q, 0, 10);
	cr_assert_eq(master_respawn_delay(&q, 0, QUICK_DEATH_MS), 0);
	cr_assert_eq(q, 0);
}
