/*
 * tests/unit/lib/providers/test_replay_comfyui.c - ComfyUI's answers
 * (tests/data/providers/comfyui/: POST /prompt with and without
 * node_errors, old and new 400 bodies, history while queued, done, failed,
 * without outputs, with a preview output) replayed through
 * lib/providers/comfyui.c; the file name says the outcome. The bodies
 * follow shared/providers/comfyui.md and ComfyUI's server.py/execution.py.
 */
#include <criterion/criterion.h>

#include "tests/helpers/replay.h"

Test(replay_comfyui, every_recorded_answer)
{
	static const char *const steps[] = { "queue", "history", NULL };

	cr_assert_geq(replay_dir("comfyui", "tests/data/providers/comfyui",
	    steps), 14);
}
