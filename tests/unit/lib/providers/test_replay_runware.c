/*
 * tests/unit/lib/providers/test_replay_runware.c - every recorded answer in
 * tests/data/providers/runware/ (success and each error shape of
 * shared/providers/runware.md) through the runware state machine, each case's
 * outcome as its replay.txt line names it.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lib/providers/registry.h"
#include "tests/helpers/prov_replay.h"

Test(replay, runware)
{
	struct config cfg;

	setenv("RUNWARE_API_KEY", "k-replay", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, (char[256]){ 0 }, 256), ERR_OK);
	cr_assert_geq(prov_replay_dir(prov_registry_find("runware_ai"), &cfg,
	    "tests/data/providers/runware"), 19, "every case of replay.txt ran");
	cfg_fini(&cfg);
}
