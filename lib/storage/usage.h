/*
 * lib/storage/usage.h - what the storage root holds on disk: a walk of
 * STORAGE_DIR/images (or one project's folder) that follows no link,
 * bytes and files per project, and the files no images row names.
 * Not here: the rows (lib/db/images.c), removing files (prune.c).
 */
#ifndef STORAGE_USAGE_H
#define STORAGE_USAGE_H

#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/storage/contain.h"

/* Called for each file of the walk: rel is its path under the root
 * ("images/p/prov/id.png"), st its lstat (a link is passed as a link). */
typedef void	(*store_walk_fn)(void *arg, const char *rel,
		    const struct stat *st);

/*
 * Calls fn for every non-directory under r's images/ (only
 * images/{project}/ when project is not NULL), never following a link,
 * but images/.gitkeep (a checkout's placeholder).
 * A missing folder is empty (ERR_OK); ERR_STORAGE when it cannot be read.
 */
enum err	store_walk(const struct store_root *r, const char *project,
		    store_walk_fn fn, void *arg);
/*
 * Regular files and their bytes per project folder, in *out (new):
 * {"<project>": {"files": n, "bytes": b}, ...} (a file directly under
 * images/ counts under ""). Links are not counted.
 */
enum err	store_usage_disk(const struct store_root *r,
		    const char *project, json_t **out);
/*
 * Compares rows (an array of {"id","job_id","project_id","local_path"},
 * borrowed) with the disk under r (one project's folder when project is
 * set), into *out (new):
 *   {"files": [{"path","bytes","link"?}]   on disk, no row names them,
 *    "rows_missing": [row]                  no file where the row says,
 *    "rows_refused": [row]                  the path escapes the root or
 *                                           is a link (never followed),
 *    "young": n}                            files newer than grace_s,
 *                                           not counted (a generation in
 *                                           flight writes its file before
 *                                           its row)
 * now_s is the wall clock in seconds.
 */
enum err	store_orphans_find(const struct store_root *r,
		    const char *project, const json_t *rows, int64_t grace_s,
		    int64_t now_s, json_t **out);

#endif
