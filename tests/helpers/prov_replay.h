/*
 * tests/helpers/prov_replay.h - replays recorded provider answers
 * (tests/data/providers/NAME/) through a provider's state machine and
 * checks the outcome each case names, for tests/unit/lib/providers/
 * test_replay_NAME.c.
 * Not here: the network (no request is sent), the engine's policy.
 *
 * DIR/replay.txt has one case a line ('#' starts a comment):
 *   gen    EXPECT  STATUS:FILE [STATUS:FILE ...]
 *   health EXPECT  STATUS:FILE
 * gen: begin(), then each FILE (with HTTP STATUS) fed to step() in order;
 * every reply but the last must ask for another request, the last must
 * end the job: EXPECT "ok" is done with at least one image, else the
 * err_code() it failed with ("auth_failed", "content_blocked", ...).
 * health: health_check() of that reply, "ok" or its err_code().
 * In a FILE, ${remote_id} stands for the job's remote_id at that step (the
 * taskUUID or generation id the client chose or got), so recorded answers
 * keep their shape.
 */
#ifndef TESTS_PROV_REPLAY_H
#define TESTS_PROV_REPLAY_H

#include "lib/config/config.h"
#include "lib/providers/provider.h"

/* Runs every case of dir/replay.txt through p with cfg (cr_expect per
 * case, naming its line); returns how many cases ran. */
int	prov_replay_dir(const struct provider *p, const struct config *cfg,
	    const char *dir);
/* The same for the registry's provider name on tests/data/providers/
 * folder, with a configuration from the environment where every
 * provider's key is set; asserts that at least min cases ran. */
void	prov_replay_run(const char *name, const char *folder, int min);

#endif
