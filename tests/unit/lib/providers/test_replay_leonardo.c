/*
 * tests/unit/lib/providers/test_replay_leonardo.c - Leonardo's answers
 * (tests/data/providers/leonardo/, one file per shape the wire note and
 * its corrections give: success, pending, each error body) replayed
 * through lib/providers/leonardo.c; the file name says the outcome.
 * The bodies are written after shared/providers/leonardo.md and the
 * public docs, not captured from the live API (no key here).
 */
#include <criterion/criterion.h>

#include "tests/helpers/replay.h"

Test(replay_leonardo, every_recorded_answer)
{
	static const char *const steps[] = { "create", "poll", NULL };

	cr_assert_geq(replay_dir("leonardo_ai", "tests/data/providers/leonardo",
	    steps), 20);
}
