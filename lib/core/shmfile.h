/*
 * lib/core/shmfile.h - a small state file mapped MAP_SHARED by every
 * process of a host that opens it (the circuit map, the metrics
 * counters), or anonymous shared memory shared with forked children.
 * Not here: what the mapping holds (its owner checks its layout).
 */
#ifndef CORE_SHMFILE_H
#define CORE_SHMFILE_H

#include <stddef.h>

/* Called once per map, with the mapping, while no other process maps the
 * file: checks the layout (a magic number) and sets it up if needed. */
typedef void	(*shmfile_init_fn)(void *p, void *arg);

/*
 * Maps size bytes of file path (created 0600 when missing; a file of
 * another size, an older layout's, is replaced by a new one of zeroes:
 * processes that map the old one keep theirs whole), then runs init(p,
 * arg) under an exclusive flock of the file. NULL or "" path: anonymous
 * shared memory (zeroes), init run all the same. NULL on failure (errno
 * set). Unmap with shmfile_unmap().
 */
void	*shmfile_map(const char *path, size_t size, shmfile_init_fn init,
	    void *arg);
void	 shmfile_unmap(void *p, size_t size);

#endif
