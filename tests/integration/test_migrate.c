/*
 * tests/integration/test_migrate.c - the migrations on a database that
 * already has the seed's projects table (Supabase: id uuid): they apply,
 * keep that table as it is, and keys work against its projects; an
 * unknown project is an error, never a silent insert.
 * Not here: the migrations on an empty database (every other test).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#define SEED_DB	"imagegen_seed"
#define SEED_PROJECT	"6f1c1e0e-4d7b-4c43-9a55-0c1d2e3f4a5b"

/* The test cluster's port, from $IMAGEGEN_TEST_DB. */
static const char *
pg_port(void)
{
	static char port[8];
	const char *u = getenv("IMAGEGEN_TEST_DB"), *p;

	cr_assert_not_null(u);
	p = strstr(u, "127.0.0.1:");
	cr_assert_not_null(p);
	snprintf(port, sizeof(port), "%.*s", (int)strcspn(p + 10, "/"),
	    p + 10);
	return port;
}

/* Runs sh command line fmt; its exit status. */
static int
sh(const char *line)
{
	int rc = system(line);

	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* psql as user on database db: the exit status; out (may be NULL) gets
 * the last line of -tA output (the last statement's). */
static int
psql(const char *user, const char *db, const char *sql, char *out,
    size_t len)
{
	char cmd[2048], line[256] = "";
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "psql -X -q -v ON_ERROR_STOP=1 -tA -h "
	    "127.0.0.1 -p %s -U %s -d %s -c \"%s\" 2>&1", pg_port(), user,
	    db, sql);
	cr_assert_not_null(p = popen(cmd, "r"));
	while (fgets(cmd, sizeof(cmd), p) != NULL)
		if (cmd[0] != '\n')
			snprintf(line, sizeof(line), "%.255s", cmd);
	rc = pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (out != NULL)
		snprintf(out, len, "%s", line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* imagegen ARGS against the seed database: exit status. */
static int
imagegen(const char *args)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cd '%s' && DATABASE_URL=postgresql://"
	    "imagegen@127.0.0.1:%s/" SEED_DB " '%s' -e /dev/null %s "
	    ">/dev/null 2>&1", getenv("IMAGEGEN_ROOT"), pg_port(),
	    getenv("IMAGEGEN_BIN"), args);
	return sh(cmd);
}

Test(migrate, onto_the_seeds_projects_table, .timeout = 120)
{
	char out[256];

	psql("postgres", "postgres", "DROP DATABASE IF EXISTS " SEED_DB, NULL,
	    0);
	cr_assert_eq(psql("postgres", "postgres", "CREATE DATABASE " SEED_DB
	    " OWNER imagegen", out, sizeof(out)), 0, "%s", out);
	cr_assert_eq(psql("imagegen", SEED_DB, "CREATE TABLE projects (id uuid "
	    "PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, "
	    "created_at timestamptz NOT NULL DEFAULT now()); INSERT INTO "
	    "projects (id, name) VALUES ('" SEED_PROJECT "', 'seed')", out,
	    sizeof(out)), 0, "%s", out);
	cr_assert_eq(imagegen("migrate"), 0, "migrate failed on the seed's "
	    "schema");
	cr_expect_eq(imagegen("migrate"), 0, "a second migrate");
	/* the seed's table is as it was: uuid ids, one row */
	psql("imagegen", SEED_DB, "SELECT format_type(atttypid, atttypmod) "
	    "FROM pg_attribute WHERE attrelid = 'projects'::regclass AND "
	    "attname = 'id'", out, sizeof(out));
	cr_expect_str_eq(out, "uuid");
	psql("imagegen", SEED_DB, "SELECT set_config('imagegen.project', '*', "
	    "false); SELECT count(*) FROM projects", out, sizeof(out));
	cr_expect_str_eq(out, "1", "no project was added");
	/* a key for the seed's project; none for an unknown one */
	cr_expect_eq(imagegen("keys create --project " SEED_PROJECT), 0);
	cr_expect_neq(imagegen("keys create --project no-such-project"), 0,
	    "an unknown project was made in the seed's table");
	cr_expect_neq(imagegen("keys create --project "
	    "00000000-0000-4000-8000-000000000000"), 0);
	psql("imagegen", SEED_DB, "SELECT set_config('imagegen.project', '*', "
	    "false); SELECT count(*) FROM projects", out, sizeof(out));
	cr_expect_str_eq(out, "1");
	/* a job of the seed's project, seen only in its scope */
	cr_expect_eq(psql("imagegen", SEED_DB, "SELECT set_config("
	    "'imagegen.project', '" SEED_PROJECT "', false); INSERT INTO "
	    "generation_jobs (project_id, prompt_original) VALUES "
	    "(imagegen_project_ensure('" SEED_PROJECT "'), 'seeded')", out,
	    sizeof(out)), 0, "%s", out);
	psql("imagegen", SEED_DB, "SELECT count(*) FROM generation_jobs", out,
	    sizeof(out));
	cr_expect_str_eq(out, "0", "no scope, no rows");
	psql("postgres", "postgres", "DROP DATABASE IF EXISTS " SEED_DB, NULL,
	    0);
}
