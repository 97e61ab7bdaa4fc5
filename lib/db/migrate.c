/*
 * lib/db/migrate.c - schema migrations from the embedded lib/db/migrations/.
 * Not here: connection handling (db.c).
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/embed.h"
#include "lib/db/migrate.h"

#define MIGRATIONS_DIR	"lib/db/migrations/"
#define MIGRATE_LOCK	"7252640417"	/* pg_advisory_lock key */

/* "lib/db/migrations/001_init.sql" -> "001_init" into buf. */
static void
migration_name(const char *path, char *buf, size_t len)
{
	const char *base = path + strlen(MIGRATIONS_DIR);
	size_t n = strcspn(base, ".");

	snprintf(buf, len, "%.*s", (int)n, base);
}

static enum err
migration_applied(struct db *db, const char *name, int *yes)
{
	PGresult *r = NULL;
	const char *p[1] = { name };
	enum err e;

	e = db_exec(db, "SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, p, &r);
	*yes = e == ERR_OK && PQntuples(r) > 0;
	PQclear(r);
	return e;
}

static enum err
migration_apply(struct db *db, const struct embed_file *f, const char *name)
{
	const char *p[1] = { name };
	PGconn *c;
	PGresult *r;
	enum err e;

	if ((e = db_begin(db)) != ERR_OK)
		return e;
	/* Multi-statement text needs the simple query protocol. */
	if ((e = db_conn_get(db, &c)) != ERR_OK)
		return e;
	r = PQexec(c, f->data);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_error(db->log, "migration %s failed: %s", name,
		    PQresultErrorMessage(r));
		PQclear(r);
		db_rollback(db);
		return ERR_DB;
	}
	PQclear(r);
	e = db_exec(db, "INSERT INTO schema_migrations (version) VALUES ($1)",
	    1, p, NULL);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
	return e;
}

static enum err
migrate_all(struct db *db, int *applied, char *why, size_t whylen)
{
	char name[128];
	size_t i;
	int done;
	enum err e = ERR_OK;

	for (i = embed_first(MIGRATIONS_DIR); i < embed_nfiles &&
	    strncmp(embed_files[i].path, MIGRATIONS_DIR,
	    strlen(MIGRATIONS_DIR)) == 0; i++) {
		migration_name(embed_files[i].path, name, sizeof(name));
		if ((e = migration_applied(db, name, &done)) != ERR_OK)
			break;
		if (done)
			continue;
		if ((e = migration_apply(db, &embed_files[i], name)) != ERR_OK)
			break;
		(*applied)++;
		log_info(db->log, "migration %s applied", name);
	}
	if (e != ERR_OK)
		snprintf(why, whylen, "migration %s failed (%s)", name,
		    err_code(e));
	return e;
}

enum err
db_migrate(struct db *db, int *applied, char *why, size_t whylen)
{
	enum err e;

	*applied = 0;
	e = db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version text PRIMARY KEY, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, NULL);
	if (e == ERR_OK)
		e = db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")",
		    0, NULL, NULL);
	if (e != ERR_OK) {
		snprintf(why, whylen, "cannot prepare migrations (%s)",
		    err_code(e));
		return e;
	}
	e = migrate_all(db, applied, why, whylen);
	(void)db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")",
	    0, NULL, NULL);
	return e;
}

enum err
db_migrate_pending(struct db *db, int *pending)
{
	PGresult *r = NULL;
	char name[128];
	size_t i;
	int table = 0, done = 0;
	enum err e;

	*pending = 0;
	e = db_exec(db, "SELECT to_regclass('schema_migrations') IS NOT NULL",
	    0, NULL, &r);
	if (e == ERR_OK)
		table = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	for (i = embed_first(MIGRATIONS_DIR); e == ERR_OK && i < embed_nfiles &&
	    strncmp(embed_files[i].path, MIGRATIONS_DIR,
	    strlen(MIGRATIONS_DIR)) == 0; i++) {
		migration_name(embed_files[i].path, name, sizeof(name));
		if (table && (e = migration_applied(db, name, &done)) != ERR_OK)
			break;
		*pending += !(table && done);
	}
	return e;
}
