/*
 * lib/db/migrate.h - applies the embedded numbered SQL migrations in order,
 * each in its own transaction, recorded in schema_migrations.
 * Not here: the SQL itself (lib/db/migrations/NNN_name.sql).
 */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include "lib/db/db.h"

/*
 * Applies every migration not yet recorded; *applied counts them.
 * Serialized across processes by an advisory lock. On failure the failing
 * migration is rolled back, nothing after it runs, and why names it.
 */
enum err	db_migrate(struct db *db, int *applied, char *why,
		    size_t whylen);
/* How many embedded migrations are not recorded yet (all of them when
 * schema_migrations does not exist); ERR_DB_UNAVAILABLE / ERR_DB. */
enum err	db_migrate_pending(struct db *db, int *pending);

#endif
