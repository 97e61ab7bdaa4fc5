/*
 * tests/unit/lib/providers/test_replay_runware.c - every recorded answer in
 * tests/data/providers/runware/ (success and each error shape of
 * shared/providers/runware.md) through the runware state machine, each case's
 * outcome as its replay.txt line names it.
 */
#include <criterion/criterion.h>

#include "tests/helpers/prov_replay.h"

Test(replay, runware)
{
	prov_replay_run("runware_ai", "runware", 19);
}
