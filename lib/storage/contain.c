/*
 * lib/storage/contain.c - stored paths resolved beneath the root only
 * (openat, O_NOFOLLOW, one component at a time).
 * Not here: choosing the paths (callers), the tree walk (usage.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/util.h"
#include "lib/storage/contain.h"

#define REL_MAX		1024

static const char *const where_names[STORE_WHERE__MAX] = {
	[STORE_FILE]	= "file",
	[STORE_MISSING]	= "missing",
	[STORE_REFUSED]	= "refused",
};
_Static_assert(NELEM(where_names) == STORE_WHERE__MAX, "a name each");

const char *
store_where_name(enum store_where w)
{
	return where_names[(unsigned)w < STORE_WHERE__MAX ? w :
	    STORE_REFUSED];
}

enum err
store_root_open(struct store_root *r, const char *dir, char *why,
    size_t whylen)
{
	char real[PATH_MAX];

	r->fd = -1;
	r->path[0] = '\0';
	if (realpath(dir, real) == NULL || strlen(real) >= sizeof(r->path)) {
		snprintf(why, whylen, "storage root %s: %s", dir,
		    strerror(errno));
		return ERR_STORAGE;
	}
	if ((r->fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "storage root %s: %s", real,
		    strerror(errno));
		return ERR_STORAGE;
	}
	snprintf(r->path, sizeof(r->path), "%s", real);
	return ERR_OK;
}

void
store_root_close(struct store_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* One path component: plain characters, not "." or "..". */
static bool
name_ok(const char *s, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t i;

	if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
	    s[1] == '.'))
		return false;
	for (i = 0; i < n; i++)
		if (strchr(set, s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

bool
store_rel_ok(const char *rel)
{
	const char *p, *slash;

	if (rel == NULL || strlen(rel) > REL_MAX ||
	    strncmp(rel, "images/", 7) != 0 || rel[7] == '\0')
		return false;
	for (p = rel + 7; ; p = slash + 1) {
		slash = strchrnul(p, '/');
		if (!name_ok(p, (size_t)(slash - p)))
			return false;
		if (*slash == '\0')
			return true;
	}
}

/*
 * The directory holding rel's last name, opened beneath r (no link
 * followed) into *dfd, its last name into name. STORE_FILE when both
 * are there to look at.
 */
static enum store_where
parent_open(const struct store_root *r, const char *rel, int *dfd,
    char name[REL_MAX + 1])
{
	char buf[REL_MAX + 1], *p, *slash;
	int fd, next;

	*dfd = -1;
	if (r->fd < 0 || !store_rel_ok(rel))
		return STORE_REFUSED;
	snprintf(buf, sizeof(buf), "%s", rel);
	if ((fd = dup(r->fd)) < 0)
		return STORE_REFUSED;
	for (p = buf; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if (next < 0)
			return errno == ENOENT ? STORE_MISSING : STORE_REFUSED;
		fd = next;
	}
	snprintf(name, REL_MAX + 1, "%s", p);
	*dfd = fd;
	return STORE_FILE;
}

/* What name is in directory dfd, not following a link. */
static enum store_where
entry_stat(int dfd, const char *name, off_t *bytes)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? STORE_MISSING : STORE_REFUSED;
	if (!S_ISREG(st.st_mode))
		return STORE_REFUSED;
	if (bytes != NULL)
		*bytes = st.st_size;
	return STORE_FILE;
}

/* Where rel leads; removed too when remove is set and it is a file. */
static enum store_where
resolve(const struct store_root *r, const char *rel, off_t *bytes,
    bool remove)
{
	char name[REL_MAX + 1];
	enum store_where w;
	int dfd;

	if ((w = parent_open(r, rel, &dfd, name)) != STORE_FILE)
		return w;
	if ((w = entry_stat(dfd, name, bytes)) == STORE_FILE && remove &&
	    unlinkat(dfd, name, 0) != 0)
		w = errno == ENOENT ? STORE_MISSING : STORE_REFUSED;
	close(dfd);
	return w;
}

enum store_where
store_stat(const struct store_root *r, const char *rel, off_t *bytes)
{
	return resolve(r, rel, bytes, false);
}

enum store_where
store_unlink(const struct store_root *r, const char *rel, off_t *bytes)
{
	return resolve(r, rel, bytes, true);
}

int
store_open_read(const struct store_root *r, const char *rel, off_t *bytes)
{
	char name[REL_MAX + 1];
	struct stat st;
	int dfd, fd;

	if (parent_open(r, rel, &dfd, name) != STORE_FILE)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	if (fd >= 0 && bytes != NULL)
		*bytes = st.st_size;
	return fd;
}
