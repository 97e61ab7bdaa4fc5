/*
 * tests/unit/lib/providers/test_replay_gemini.c - every recorded answer in
 * tests/data/providers/gemini/ (success and each error shape of
 * shared/providers/gemini.md) through the gemini state machine, each case's
 * outcome as its replay.txt line names it.
 */
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lib/providers/registry.h"
#include "tests/helpers/prov_replay.h"

Test(replay, gemini)
{
	struct config cfg;

	setenv("GEMINI_API_KEY", "k-replay", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, (char[256]){ 0 }, 256), ERR_OK);
	cr_assert_geq(prov_replay_dir(prov_registry_find("gemini"), &cfg,
	    "tests/data/providers/gemini"), 34, "every case of replay.txt ran");
	cfg_fini(&cfg);
}
