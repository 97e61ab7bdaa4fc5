/*
 * lib/core/shmfile.c - mapping a shared state file under flock.
 * Not here: the layouts (lib/providers/circuit.c, lib/metrics/metrics.c).
 */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/shmfile.h"

void *
shmfile_map(const char *path, size_t size, shmfile_init_fn init, void *arg)
{
	void *p = MAP_FAILED;
	struct stat st;
	int fd;

	if (path == NULL || path[0] == '\0') {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
		    MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			init(p, arg);
		return p == MAP_FAILED ? NULL : p;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return NULL;
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0)
		goto out;
	if (st.st_size != (off_t)size && (ftruncate(fd, 0) != 0 ||
	    ftruncate(fd, (off_t)size) != 0))
		goto out;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p != MAP_FAILED)
		init(p, arg);
out:
	(void)flock(fd, LOCK_UN);	/* the mapping keeps the file open */
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

void
shmfile_unmap(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, size);
}
