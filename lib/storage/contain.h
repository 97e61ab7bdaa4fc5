/*
 * lib/storage/contain.h - files under the storage root, reached without
 * ever leaving it: a stored path (an images row's local_path) is checked
 * by its text (relative, plain names, under images/) and then walked one
 * directory at a time with openat(O_NOFOLLOW), so neither ".." nor a
 * symbolic link (a directory or the file itself) can lead outside.
 * Not here: which files to remove (lib/db/images.c, callers), walking
 * the whole tree (usage.c).
 */
#ifndef STORAGE_CONTAIN_H
#define STORAGE_CONTAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/core/err.h"

#define STORE_ROOT_MAX	4096

/* The storage root, opened once: its real path and a directory fd. */
struct store_root {
	int	fd;			/* -1 when closed */
	char	path[STORE_ROOT_MAX];	/* realpath(3) of STORAGE_DIR */
};

/* Where a stored path leads. */
enum store_where {
	STORE_FILE = 0,		/* a regular file under the root */
	STORE_MISSING,		/* nothing there (or a directory on the way) */
	STORE_REFUSED,		/* escapes, is a link, or is not a file */
	STORE_WHERE__MAX
};

/* "file", "missing", "refused". */
const char	*store_where_name(enum store_where w);
/*
 * Opens dir (STORAGE_DIR; the root itself may be a link) into r.
 * ERR_STORAGE with why when it does not exist or is not a directory.
 * Close with store_root_close() (safe on a closed root).
 */
enum err	store_root_open(struct store_root *r, const char *dir,
		    char *why, size_t whylen);
void		store_root_close(struct store_root *r);
/*
 * True when rel is a path a row may hold: relative, "images/" then one
 * or more plain names ([A-Za-z0-9._-], not "." or ".."), no empty part,
 * at most 1024 bytes. Text only: links are found by store_stat().
 */
bool		store_rel_ok(const char *rel);
/*
 * Where rel leads inside r, following no link: STORE_FILE with its size
 * in *bytes (when not NULL), STORE_MISSING, or STORE_REFUSED (text not
 * store_rel_ok, a link anywhere on the way, a non-regular file).
 */
enum store_where store_stat(const struct store_root *r, const char *rel,
		    off_t *bytes);
/*
 * store_stat(), then unlinks the file when it is STORE_FILE (the same
 * directory fd: a link swapped in meanwhile cannot redirect it). A file
 * that vanished meanwhile is STORE_MISSING; an unlink that fails for
 * another reason is STORE_REFUSED (why logged by the caller).
 */
enum store_where store_unlink(const struct store_root *r, const char *rel,
		    off_t *bytes);
/*
 * rel inside r opened for reading, following no link (the same walk as
 * store_stat()), its size in *bytes (when not NULL): a descriptor the
 * caller closes, or -1 (refused, missing, not a regular file).
 */
int		store_open_read(const struct store_root *r, const char *rel,
		    off_t *bytes);

#endif
