/*
 * lib/db/db.c - lazy connection, statement execution and error mapping.
 * Not here: table-specific queries, schema (migrations/).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/db/db.h"

#define DB_RETRY_MS	250
/* The client waits this much longer than the server's statement_timeout
 * before it gives the connection up (the server could not even cancel). */
#define DB_GRACE_MS	2000

void
db_init(struct db *db, const struct config *cfg, struct log *log)
{
	memset(db, 0, sizeof(*db));
	db->url = cfg->database_url;
	db->connect_timeout_s = cfg->db_connect_timeout_s;
	db->statement_timeout_ms = cfg->db_statement_timeout_ms;
	db->cfg = cfg;
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

/* libpq connection keywords and values: keepalives and timeouts from the
 * configuration, then DATABASE_URL (which overrides what it sets). */
struct db_params {
	char	 idle[16], interval[16], count[16], user_to[16], options[64];
	char	 timeout[16];
	const char *keys[11], *vals[11];
};

static void
db_params_fill(const struct db *db, struct db_params *p)
{
	/* GSS encryption off unless DATABASE_URL asks for it (it comes
	 * later, so it wins): probing Kerberos on every connect costs time
	 * and about 1 MB of each worker's memory for nothing on loopback. */
	static const char *const keys[] = { "gssencmode", "keepalives",
	    "keepalives_idle", "keepalives_interval", "keepalives_count",
	    "tcp_user_timeout", "options", "dbname", "connect_timeout",
	    "application_name", NULL };
	const struct config *c = db->cfg;

	snprintf(p->idle, sizeof(p->idle), "%ld", c->db_keepalives_idle_s);
	snprintf(p->interval, sizeof(p->interval), "%ld",
	    c->db_keepalives_interval_s);
	snprintf(p->count, sizeof(p->count), "%ld", c->db_keepalives_count);
	snprintf(p->user_to, sizeof(p->user_to), "%ld",
	    c->db_tcp_user_timeout_ms);
	snprintf(p->options, sizeof(p->options), "-c statement_timeout=%ld",
	    db->statement_timeout_ms);
	snprintf(p->timeout, sizeof(p->timeout), "%ld", db->connect_timeout_s);
	memcpy(p->keys, keys, sizeof(keys));
	p->vals[0] = "disable"; p->vals[1] = "1"; p->vals[2] = p->idle;
	p->vals[3] = p->interval; p->vals[4] = p->count;
	p->vals[5] = p->user_to; p->vals[6] = p->options; p->vals[7] = db->url;
	p->vals[8] = p->timeout; p->vals[9] = "imagegen"; p->vals[10] = NULL;
}

enum err
db_conn_get(struct db *db, PGconn **out)
{
	struct db_params p;

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
	db_params_fill(db, &p);
	db->conn = PQconnectdbParams(p.keys, p.vals, 1);
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

/* Waits until what was sent on c is flushed and its answer is in. NULL
 * when it is, else why not: the connection broke, or no answer came in
 * statement_timeout + DB_GRACE_MS (a stopped server, a host gone without
 * a reset): the caller is not held forever. */
static const char *
db_wait(struct db *db, PGconn *c)
{
	int64_t end = time_mono_ms() + db->statement_timeout_ms + DB_GRACE_MS;
	struct pollfd p = { .fd = PQsocket(c) };
	int fl, n, left;

	for (;;) {
		if ((fl = PQflush(c)) < 0)
			return PQerrorMessage(c);
		if (fl == 0 && !PQisBusy(c))
			return NULL;
		left = (int)(end - time_mono_ms());
		if (db->statement_timeout_ms > 0 && left <= 0)
			return "no answer within DB_STATEMENT_TIMEOUT_MS + 2 s";
		p.events = POLLIN | (fl > 0 ? POLLOUT : 0);
		n = poll(&p, 1, db->statement_timeout_ms > 0 ? left : -1);
		if (n < 0 && errno != EINTR)
			return "poll failed";
		if (n > 0 && PQconsumeInput(c) == 0)
			return PQerrorMessage(c);
	}
}

/* The verdict on what was sent on c (sent: the PQsend* result). */
static enum err
db_reply(struct db *db, PGconn *c, int sent, PGresult **out)
{
	PGresult *r = NULL, *next;
	const char *why = sent ? db_wait(db, c) : PQerrorMessage(c);

	if (why != NULL) {
		db_drop(db, why);
		return ERR_DB_UNAVAILABLE;
	}
	while ((next = PQgetResult(c)) != NULL) {
		PQclear(r);
		r = next;
	}
	return db_result(db, c, r, out);
}

/* Sets the wanted scope on the connection if it has another one. */
static enum err
db_scope_sync(struct db *db, PGconn *c)
{
	const char *p[1] = { db->scope_want };
	enum err e;

	if (db->scope_known && strcmp(db->scope_have, db->scope_want) == 0)
		return ERR_OK;
	e = db_reply(db, c, PQsendQueryParams(c, "SELECT set_config("
	    "'imagegen.project', $1, false)", 1, NULL, p, NULL, NULL, 0),
	    NULL);
	if (e == ERR_OK) {
		memcpy(db->scope_have, db->scope_want, sizeof(db->scope_have));
		db->scope_known = true;
	}
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
	return db_reply(db, c, PQsendQueryParams(c, sql, nparams, NULL, params,
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
		if ((e = db_reply(db, c, PQsendPrepare(c, name, sql, nparams,
		    NULL), NULL)) != ERR_OK)
			return e;
		db->prepared[db->nprepared++] = sql;
	}
	return db_reply(db, c, PQsendQueryPrepared(c, name, nparams, params,
	    NULL, NULL, 0), out);
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
