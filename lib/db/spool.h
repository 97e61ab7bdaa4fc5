/*
 * lib/db/spool.h - job records kept on local disk while the database is
 * down (one JSON file each, written atomically), replayed into the
 * database once it is back: nothing is lost.
 * Not here: the SQL (jobs.c).
 */
#ifndef DB_SPOOL_H
#define DB_SPOOL_H

#include <jansson.h>

#include "lib/db/db.h"

/* Writes job (borrowed; needs "id") to dir/<id>.json via a temp file,
 * fsync and rename. ERR_STORAGE_FULL / ERR_STORAGE on failure. */
enum err	spool_write(const char *dir, const json_t *job);
/*
 * Saves up to max spooled records with db_jobs_save() and removes each
 * one saved; *replayed counts them. Stops at the first database error
 * (returned); a file that is not a record is moved aside as .bad.
 */
enum err	spool_replay(struct db *db, const char *dir, int max,
		    int *replayed);
/* Number of records waiting in dir. */
int		spool_count(const char *dir);

#endif
