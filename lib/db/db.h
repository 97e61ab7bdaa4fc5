/*
 * lib/db/db.h - one libpq connection per worker: opened lazily, dropped
 * after a connection failure and re-opened by the next request.
 * Not here: SQL of a table (jobs.c, images.c, ...), migrations (migrate.c).
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "lib/config/config.h"
#include "lib/core/err.h"
#include "lib/log/log.h"

#define DB_PREPARED_MAX	16
#define DB_SCOPE_MAX	72

struct db {
	PGconn		*conn;		/* NULL until first use */
	const char	*url;		/* borrowed from config */
	long		 connect_timeout_s;
	const struct config *cfg;	/* borrowed: keepalives, timeouts */
	long		 statement_timeout_ms;	/* 0 = none (migrations) */
	int64_t		 retry_at_ms;	/* no reconnect before (monotonic) */
	struct log	*log;		/* borrowed */
	const char *const *listen;	/* channels LISTENed on each connect,
					   NULL-ended; NULL = none */
	const char	*prepared[DB_PREPARED_MAX];	/* on this connection */
	size_t		 nprepared;
	/* Row-level security scope (setting imagegen.project): a project
	 * id, "*" for every project, "" for none. Wanted by the caller,
	 * set on the connection before the next statement when it differs
	 * from what the connection has (have_known false: unknown). */
	char		 scope_want[DB_SCOPE_MAX];
	char		 scope_have[DB_SCOPE_MAX];
	bool		 scope_known;
};

void		db_init(struct db *db, const struct config *cfg,
		    struct log *log);
void		db_close(struct db *db);
/*
 * The projects the following statements may see (row-level security,
 * migration 010): a project id, "*" for all, "" for none. db_init()
 * starts with "*" (the runner, migrations, the CLI); a worker narrows it
 * for each request. Applied lazily, one round trip when it changes.
 */
void		db_scope_set(struct db *db, const char *project);
/*
 * Borrowed live connection in *out, connecting if needed.
 * ERR_DB_UNAVAILABLE when PostgreSQL cannot be reached (logged; further
 * attempts are spaced 250 ms apart so a dead server is not hammered).
 */
enum err	db_conn_get(struct db *db, PGconn **out);
/*
 * Runs sql with text params; *out (caller PQclear()s; may be NULL to
 * discard) holds the result. ERR_DB_UNAVAILABLE if the connection broke
 * (it is dropped), ERR_DB for a failed statement (logged with detail).
 */
enum err	db_exec(struct db *db, const char *sql, int nparams,
		    const char *const *params, PGresult **out);
/*
 * db_exec() of a statement the caller runs often: sql must be a string
 * with static storage (its address names it). Parsed and planned once
 * per connection (a prepared statement), then only executed.
 */
enum err	db_exec_hot(struct db *db, const char *sql, int nparams,
		    const char *const *params, PGresult **out);
/* SELECT 1 round trip; latency in *ms. */
enum err	db_ping(struct db *db, double *ms);
/* The connection's socket (connecting if needed), -1 when down: poll it
 * for notifications. */
int		db_socket(struct db *db);
/* Reads what arrived; true with the next notification's channel and
 * payload copied out, false when there is none (or the link broke). */
bool		db_notify_next(struct db *db, char *channel, size_t chlen,
		    char *payload, size_t paylen);
enum err	db_begin(struct db *db);
enum err	db_commit(struct db *db);
/* Best effort; never fails the caller. */
void		db_rollback(struct db *db);

#endif
