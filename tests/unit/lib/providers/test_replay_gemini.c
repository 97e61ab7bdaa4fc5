/*
 * tests/unit/lib/providers/test_replay_gemini.c - every recorded answer in
 * tests/data/providers/gemini/ (success and each error shape of
 * shared/providers/gemini.md) through the gemini state machine, each case's
 * outcome as its replay.txt line names it.
 */
#include <criterion/criterion.h>

#include "tests/helpers/prov_replay.h"

Test(replay, gemini)
{
	prov_replay_run("gemini", "gemini", 34);
}
