/*
 * lib/db/spool.h - job records kept on local disk while the database is
 * down (one JSON file each, written atomically and durably), replayed
 * into the database once it is back by the runner's background tick:
 * nothing is lost, and a record that cannot be written back is moved
 * aside (poison/) instead of holding up the others.
 * Not here: the SQL (jobs.c), when to spool (lib/gen/engine.c).
 */
#ifndef DB_SPOOL_H
#define DB_SPOOL_H

#include <jansson.h>

#include "lib/db/db.h"

/* Records DIR holds, their bytes, and the poison records set aside. */
struct spool_stat {
	long	records;
	long	bytes;
	long	poison;
};

/* What one spool_replay() did. */
struct spool_tally {
	int	replayed;	/* written to the database and removed */
	int	retried;	/* failed; kept with one more failed try */
	int	poisoned;	/* moved to DIR/poison/ */
};

/*
 * Writes job (borrowed; needs "id") to dir/<id>.json via a temp file,
 * fsync, rename and fsync of dir. ERR_STORAGE_FULL (507
 * insufficient_storage) when the spool already holds max_bytes or the
 * disk is full; ERR_STORAGE on another failure.
 */
enum err	spool_write(const char *dir, long max_bytes, const json_t *job);
/*
 * Saves up to max spooled records with db_jobs_save() and removes each
 * one saved. A record that does not parse, or fails to save `tries`
 * times (the database up), goes to dir/poison/. Returns
 * ERR_DB_UNAVAILABLE when the database went away (the rest wait).
 */
enum err	spool_replay(struct db *db, const char *dir, int max, int tries,
		    struct spool_tally *t);
/* Counts dir (a missing dir is empty). */
void		spool_stat(const char *dir, struct spool_stat *st);
/* Number of records waiting in dir. */
int		spool_count(const char *dir);
/* ERR_OK when dir can take a record now: it exists or can be made, is
 * writable and holds less than max_bytes; else ERR_STORAGE_FULL or
 * ERR_STORAGE. */
enum err	spool_room(const char *dir, long max_bytes);

#endif
