/*
 * tests/helpers/replay.h - replays a provider's recorded answers
 * (tests/data/providers/NAME/) through its state machine and checks the
 * outcome each file's name gives: STEP.STATUS.EXPECT.LABEL.EXT, e.g.
 * create.500.auth_failed.malformed-key.json.
 * Not here: the provider (lib/providers), the network (none is used).
 */
#ifndef TESTS_REPLAY_H
#define TESTS_REPLAY_H

#include <stddef.h>

/*
 * Replays every file of dir through provider name. steps lists the
 * provider's steps in order ("create", "poll"); a file of step k is fed
 * after begin() and the files STEP.200.next.ok.json of steps 0..k-1; a
 * "health" file goes to health_check(). EXPECT is "next" (another
 * request asked), "done", "ok" (health) or an error code ("auth_failed").
 * Asserts (criterion) on each; returns how many files were replayed.
 */
size_t	replay_dir(const char *name, const char *dir,
	    const char *const *steps);

/* The whole of dir/file (asserted readable), NUL-terminated, its length
 * in *len; caller frees. */
char	*replay_file_load(const char *dir, const char *file, size_t *len);

#endif
