/*
 * tests/faults/test_db_hang.c - a database that does not answer never
 * holds a caller: a query past DB_STATEMENT_TIMEOUT_MS is ended by the
 * server, a stopped backend (SIGSTOP: its kernel still acknowledges, so
 * neither keepalives nor tcp_user_timeout see it) is given up by the
 * client, and /health through the stack answers while the whole cluster
 * is stopped.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

/* What a test stopped; its .fini continues it whatever happened. */
static char stopped[256];

static void
cont_stopped(void)
{
	char cmd[300];

	if (stopped[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "kill -CONT %s", stopped);
	(void)system(cmd);
}

static void
open_db(struct config *cfg, struct log *lg, struct db *db)
{
	setenv("DB_STATEMENT_TIMEOUT_MS", "500", 1);
	cr_assert_eq(itest_db_open(cfg, lg, db), ERR_OK);
}

Test(db_hang, a_query_past_the_statement_timeout_ends, .timeout = 60)
{
	struct config cfg;
	struct log lg;
	struct db db;

	open_db(&cfg, &lg, &db);
	cr_assert_eq(db_exec(&db, "SELECT pg_sleep(20)", 0, NULL, NULL),
	    ERR_DB, "the server did not end the query");
	/* The connection is still good for the next one. */
	cr_assert_eq(db_exec(&db, "SELECT 1", 0, NULL, NULL), ERR_OK);
	itest_db_close(&cfg, &db);
}

Test(db_hang, a_stopped_backend_is_given_up, .fini = cont_stopped,
    .timeout = 60)
{
	struct config cfg;
	struct log lg;
	struct db db;
	PGresult *r = NULL;
	enum err e = ERR_DB;
	int i;

	open_db(&cfg, &lg, &db);
	cr_assert_eq(db_exec(&db, "SELECT pg_backend_pid()", 0, NULL, &r),
	    ERR_OK);
	snprintf(stopped, sizeof(stopped), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	cr_assert_eq(kill((pid_t)atol(stopped), SIGSTOP), 0);
	cr_assert_eq(db_exec(&db, "SELECT 1", 0, NULL, NULL),
	    ERR_DB_UNAVAILABLE);
	cont_stopped();
	stopped[0] = '\0';
	/* A new connection once it answers again (reconnects are spaced). */
	for (i = 0; i < 100 && (e = db_exec(&db, "SELECT 1", 0, NULL,
	    NULL)) != ERR_OK; i++)
		usleep(50 * 1000);
	cr_assert_eq(e, ERR_OK, "no new connection");
	itest_db_close(&cfg, &db);
}

/* The postmaster of the test stack and every child of it. */
static void
cluster_pids(char *out, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "pm=$(head -n 1 '%s'); echo $pm "
	    "$(ps -o pid= --ppid $pm)", itest_var("pg/data/postmaster.pid"));
	cr_assert_not_null(p = popen(cmd, "r"));
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	pclose(p);
	out[strcspn(out, "\n")] = '\0';
	cr_assert(n > 1, "no postmaster pid");
}

Test(db_hang, health_answers_while_the_cluster_is_stopped, .fini =
    cont_stopped, .timeout = 100)
{
	struct itest_res r;
	char cmd[300];
	int i;

	/* Every worker has a connection (each answers a /health). */
	for (i = 0; i < 10; i++) {
		itest_get(&r, "/health");
		cr_assert_eq(r.status, 200);
		itest_res_fini(&r);
	}
	cluster_pids(stopped, sizeof(stopped));
	snprintf(cmd, sizeof(cmd), "kill -STOP %s", stopped);
	cr_assert_eq(system(cmd), 0);
	for (i = 0; i < 4; i++) {
		itest_get(&r, "/health");
		cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
		cr_assert_str_eq(itest_str(&r, "status"), "degraded");
		cr_assert_str_eq(itest_str(&r, "database.error"),
		    "database_unavailable");
		itest_res_fini(&r);
	}
}
