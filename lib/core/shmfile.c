/*
 * lib/core/shmfile.c - mapping a shared state file under flock.
 * Not here: the layouts (lib/providers/circuit.c, lib/metrics/metrics.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/shmfile.h"

/* A new file of size zeroes, locked, renamed into path's place: whoever
 * maps the old one keeps it whole (truncating it would SIGBUS them past
 * the new end). Its descriptor, or -1. */
static int
file_replace(const char *path, size_t size)
{
	char tmp[4096];
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path,
	    (long)getpid()) >= sizeof(tmp))
		return -1;
	(void)unlink(tmp);
	if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) != 0 || flock(fd, LOCK_EX) != 0 ||
	    rename(tmp, path) != 0) {
		(void)unlink(tmp);
		close(fd);
		return -1;
	}
	return fd;
}

/* path opened and locked, the file path names now (another process may
 * have put a new one in its place meanwhile), in *st; -1 on failure. */
static int
file_lock(const char *path, struct stat *st)
{
	struct stat now;
	int fd, tries;

	for (tries = 0; tries < 16; tries++) {
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return -1;
		if (flock(fd, LOCK_EX) != 0 || fstat(fd, st) != 0) {
			close(fd);
			return -1;
		}
		if (stat(path, &now) == 0 && now.st_ino == st->st_ino &&
		    now.st_dev == st->st_dev)
			return fd;
		close(fd);	/* replaced while we waited: the new one */
	}
	return -1;
}

void *
shmfile_map(const char *path, size_t size, shmfile_init_fn init, void *arg)
{
	void *p = MAP_FAILED;
	struct stat st;
	int fd, nfd;

	if (path == NULL || path[0] == '\0') {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED |
		    MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED)
			init(p, arg);
		return p == MAP_FAILED ? NULL : p;
	}
	if ((fd = file_lock(path, &st)) < 0)
		return NULL;
	/* A new (empty) file is nobody's yet: sized in place. */
	if (st.st_size == 0 && ftruncate(fd, (off_t)size) != 0)
		goto out;
	if (st.st_size != 0 && st.st_size != (off_t)size) {
		if ((nfd = file_replace(path, size)) < 0)
			goto out;
		(void)flock(fd, LOCK_UN);
		close(fd);
		fd = nfd;
	}
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
