/*
 * lib/db/db.c - lazy connection, statement execution and error mapping.
 * Not here: table-specific queries, schema (migrations/).
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/db/db.h"

#define DB_RETRY_MS	250

void
db_init(struct db *db, const struct config *cfg, struct log *log)
{
	memset(db, 0, sizeof(*db));
	db->url = cfg->database_url;
	db->connect_timeout_s = cfg->db_connect_timeout_s;
	db->log = log;
	db_scope_set(db, "*");
}

void
db_close(struct db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
	db->nprepared = 0;
	db->scope_known = false;
}

void
db_scope_set(struct db *db, const char *project)
{
	snprintf(db->scope_want, sizeof(db->scope_want), "%s", project);
}

static void
db_drop(struct db *db, const char *why)
{
	log_warn(db->log, "database connection lost: %s", why);
	db_close(db);
	db->retry_at_ms = time_mono_ms() + DB_RETRY_MS;
}

static enum err	db_listen_all(struct db *);

enum err
db_conn_get(struct db *db, PGconn **out)
{
	char timeout[16];
	/* GSS encryption off unless DATABASE_URL asks for it (it comes
	 * later, so it wins): probing Kerberos on every connect costs time
	 * and about 1 MB of each worker's memory for nothing on loopback. */
	const char *keys[] = { "gssencmode", "dbname", "connect_timeout",
	    "application_name", NULL };
	const char *vals[] = { "disable", db->url, timeout, "imagegen", NULL };

	*out = NULL;
	/* An idle connection the server closed (a restart) is found out
	 * here, before a statement is lost on it: one recv, no round trip. */
	if (db->conn != NULL && PQtransactionStatus(db->conn) ==
	    PQTRANS_IDLE && PQconsumeInput(db->conn) == 0)
		db_close(db);
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return *out = db->conn, ERR_OK;
	if (db->conn != NULL)
		db_close(db);
	if (time_mono_ms() < db->retry_at_ms)
		return ERR_DB_UNAVAILABLE;
	snprintf(timeout, sizeof(timeout), "%ld", db->connect_timeout_s);
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		db_drop(db, db->conn ? PQerrorMessage(db->conn) :
		    "out of memory");
		return ERR_DB_UNAVAILABLE;
	}
	if (db->listen != NULL && db_listen_all(db) != ERR_OK)
		return ERR_DB_UNAVAILABLE;
	*out = db->conn;
	return ERR_OK;
}

/* LISTEN on every channel of db->listen (after each connect). */
static enum err
db_listen_all(struct db *db)
{
	char sql[128];
	PGresult *r;
	size_t i;
	bool ok = true;

	for (i = 0; ok && db->listen[i] != NULL; i++) {
		snprintf(sql, sizeof(sql), "LISTEN %s", db->listen[i]);
		r = PQexec(db->conn, sql);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	if (!ok)
		db_drop(db, PQerrorMessage(db->conn));
	return ok ? ERR_OK : ERR_DB_UNAVAILABLE;
}

int
db_socket(struct db *db)
{
	PGconn *c;

	return db_conn_get(db, &c) == ERR_OK ? PQsocket(c) : -1;
}

bool
db_notify_next(struct db *db, char *channel, size_t chlen, char *payload,
    size_t paylen)
{
	PGnotify *n;

	if (db->conn == NULL)
		return false;
	if (PQconsumeInput(db->conn) == 0) {
		db_drop(db, PQerrorMessage(db->conn));
		return false;
	}
	if ((n = PQnotifies(db->conn)) == NULL)
		return false;
	snprintf(channel, chlen, "%s", n->relname);
	snprintf(payload, paylen, "%s", n->extra);
	PQfreemem(n);
	return true;
}

static enum err	db_result(struct db *, PGconn *, PGresult *, PGresult **);

/* Sets the wanted scope on the connection if it has another one. */
static enum err
db_scope_sync(struct db *db, PGconn *c)
{
	const char *p[1] = { db->scope_want };
	enum err e;

	if (db->scope_known && strcmp(db->scope_have, db->scope_want) == 0)
		return ERR_OK;
	e = db_result(db, c, PQexecParams(c, "SELECT set_config("
	    "'imagegen.project', $1, false)", 1, NULL, p, NULL, NULL, 0),
	    NULL);
	if (e == ERR_OK) {
		memcpy(db->scope_have, db->scope_want, sizeof(db->scope_have));
		db->scope_known = true;
	}
	return e;
}

/* The verdict on r (which is cleared unless handed out in *out). */
static enum err
db_result(struct db *db, PGconn *c, PGresult *r, PGresult **out)
{
	ExecStatusType st = PQresultStatus(r);
	enum err e;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (out != NULL)
			*out = r;
		else
			PQclear(r);
		return ERR_OK;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		db_drop(db, PQerrorMessage(c));
		db->retry_at_ms = 0;	/* it was up: try again at once */
		e = ERR_DB_UNAVAILABLE;
	} else {
		log_error(db->log, "query failed: %s",
		    r ? PQresultErrorMessage(r) : PQerrorMessage(c));
		e = ERR_DB;
	}
	PQclear(r);
	return e;
}

enum err
db_exec(struct db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	PGconn *c;
	enum err e;

	if (out != NULL)
		*out = NULL;
	if ((e = db_conn_get(db, &c)) != ERR_OK ||
	    (e = db_scope_sync(db, c)) != ERR_OK)
		return e;
	return db_result(db, c, PQexecParams(c, sql, nparams, NULL, params,
	    NULL, NULL, 0), out);
}

enum err
db_exec_hot(struct db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	char name[32];
	PGconn *c;
	size_t i;
	enum err e;

	if (out != NULL)
		*out = NULL;
	if ((e = db_conn_get(db, &c)) != ERR_OK ||
	    (e = db_scope_sync(db, c)) != ERR_OK)
		return e;
	for (i = 0; i < db->nprepared && db->prepared[i] != sql; i++)
		continue;
	if (i == DB_PREPARED_MAX)
		return db_exec(db, sql, nparams, params, out);
	snprintf(name, sizeof(name), "hot%zu", i);
	if (i == db->nprepared) {
		if ((e = db_result(db, c, PQprepare(c, name, sql, nparams,
		    NULL), NULL)) != ERR_OK)
			return e;
		db->prepared[db->nprepared++] = sql;
	}
	return db_result(db, c, PQexecPrepared(c, name, nparams, params, NULL,
	    NULL, 0), out);
}

enum err
db_ping(struct db *db, double *ms)
{
	int64_t t0 = time_mono_us();
	enum err e;

	e = db_exec(db, "SELECT 1", 0, NULL, NULL);
	*ms = (double)(time_mono_us() - t0) / 1000.0;
	return e;
}

enum err
db_begin(struct db *db)
{
	bool had = db->conn != NULL;
	enum err e = db_exec(db, "BEGIN", 0, NULL, NULL);

	/* A connection that broke while idle (the server restarted) is
	 * found out here, where nothing was sent yet: one new one at once. */
	if (e == ERR_DB_UNAVAILABLE && had)
		e = db_exec(db, "BEGIN", 0, NULL, NULL);
	return e;
}

enum err
db_commit(struct db *db)
{
	return db_exec(db, "COMMIT", 0, NULL, NULL);
}

void
db_rollback(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		(void)db_exec(db, "ROLLBACK", 0, NULL, NULL);
	db->scope_known = false;	/* a scope set inside is undone */
}
