/*
 * tests/integration/test_auth.c - client keys through nginx: the matrix
 * (no key, bad, unknown, revoked, missing scope, another project), one
 * project's key never reaching another's jobs (also in SQL: row-level
 * security), per-key limits (429 + Retry-After + RateLimit-*), the
 * "keys" command, and AUTH=off refused off loopback.
 * Not here: browser rules (test_browser.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/db/db.h"
#include "tests/helpers/itest.h"

enum kind { K_NONE, K_GARBAGE, K_BASIC, K_UNKNOWN, K_ALPHA, K_ALPHA_READ,
    K_ALPHA_GEN, K_REVOKED, K_BETA, K_ADMIN, K__MAX };

static char keys[K__MAX][80];

/* Runs "imagegen keys ARGS" against the test database: its stdout's
 * first line into out (may be NULL); the exit status. */
static int
keys_cmd(const char *args, char *out, size_t len)
{
	char cmd[1024], line[256] = "";
	FILE *p;
	int rc;

	snprintf(cmd, sizeof(cmd), "cd '%s' && DATABASE_URL='%s' AUTH=on "
	    "'%s' -e /dev/null keys %s 2>/dev/null", getenv("IMAGEGEN_ROOT"),
	    getenv("IMAGEGEN_TEST_DB"), getenv("IMAGEGEN_BIN"), args);
	cr_assert_not_null(p = popen(cmd, "r"));
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	while (fgets(cmd, sizeof(cmd), p) != NULL)
		continue;		/* all of it: no SIGPIPE */
	rc = pclose(p);
	if (out != NULL)
		snprintf(out, len, "%s", line);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void
key_make(enum kind k, const char *args)
{
	cr_assert_eq(keys_cmd(args, keys[k], sizeof(keys[k])), 0,
	    "keys %s", args);
	cr_assert_eq(strncmp(keys[k], "igk_", 4), 0, "got \"%s\"", keys[k]);
}

static void
keys_once(void)
{
	char args[64];

	if (keys[K_ALPHA][0] != '\0')
		return;
	key_make(K_ALPHA, "create --project alpha --rate-per-min 0");
	key_make(K_ALPHA_READ, "create --project alpha --scopes read");
	key_make(K_ALPHA_GEN, "create --project alpha --scopes generate");
	key_make(K_REVOKED, "create --project alpha");
	key_make(K_BETA, "create --project beta --rate-per-min 0");
	snprintf(keys[K_ADMIN], sizeof(keys[K_ADMIN]), "%s",
	    getenv("IMAGEGEN_TEST_KEY"));
	snprintf(args, sizeof(args), "revoke %.12s", keys[K_REVOKED]);
	cr_assert_eq(keys_cmd(args, NULL, 0), 0);
	cr_assert_eq(keys_cmd("revoke igk_ffffffff", NULL, 0), 1,
	    "an unknown prefix is an error");
	cr_assert_eq(keys_cmd("list", NULL, 0), 0);
	snprintf(keys[K_GARBAGE], sizeof(keys[K_GARBAGE]), "Bearer garbage");
	snprintf(keys[K_BASIC], sizeof(keys[K_BASIC]), "Basic YTpi");
	snprintf(keys[K_UNKNOWN], sizeof(keys[K_UNKNOWN]), "Bearer igk_"
	    "00000000_0000000000000000000000000000000000000000");
}

/* The Authorization header line of kind k. */
static void
auth_line(enum kind k, char *buf, size_t len)
{
	if (k == K_NONE)
		snprintf(buf, len, "Authorization:");
	else if (k == K_GARBAGE || k == K_BASIC || k == K_UNKNOWN)
		snprintf(buf, len, "Authorization: %s", keys[k]);
	else
		snprintf(buf, len, "Authorization: Bearer %s", keys[k]);
}

static void
call_as(struct itest_res *r, enum kind k, const char *method,
    const char *path, const char *body, const char *extra)
{
	char a[160];
	const char *h[] = { a, "Content-Type: application/json", extra, NULL };

	auth_line(k, a, sizeof(a));
	itest_call(r, method, path, h, body, body ? (size_t)-1 : 0);
}

static const struct auth_case {
	const char	*name;
	enum kind	 key;
	const char	*method, *path, *body;
	long		 status;
	const char	*code;		/* NULL: a success */
} cases[] = {
	{ "no key", K_NONE, "GET", "/unified/jobs", NULL, 401, "unauthorized" },
	{ "no key, generate", K_NONE, "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", 401, "unauthorized" },
	{ "not a key", K_GARBAGE, "GET", "/unified/jobs", NULL, 401,
	    "invalid_api_key" },
	{ "another scheme", K_BASIC, "GET", "/unified/jobs", NULL, 401,
	    "unauthorized" },
	{ "unknown key", K_UNKNOWN, "GET", "/unified/stats", NULL, 401,
	    "invalid_api_key" },
	{ "revoked key", K_REVOKED, "GET", "/unified/jobs", NULL, 401,
	    "api_key_revoked" },
	{ "read key generates", K_ALPHA_READ, "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", 403, "insufficient_scope" },
	{ "read key cancels", K_ALPHA_READ, "DELETE",
	    "/unified/jobs/00000000-0000-4000-8000-000000000000", NULL, 403,
	    "insufficient_scope" },
	{ "generate key lists", K_ALPHA_GEN, "GET", "/unified/jobs", NULL,
	    403, "insufficient_scope" },
	{ "another project's list", K_ALPHA, "GET",
	    "/unified/jobs?project_id=beta", NULL, 403, "project_forbidden" },
	{ "generate into another project", K_ALPHA, "POST",
	    "/unified/generate", "{\"prompt\":\"a cat\",\"project_id\":"
	    "\"beta\"}", 403, "project_forbidden" },
	{ "batch into another project", K_ALPHA, "POST",
	    "/unified/generate/batch", "{\"requests\":[{\"prompt\":\"a cat\","
	    "\"project_id\":\"beta\"}]}", 0, "project_forbidden" },
	{ "admin, unknown project", K_ADMIN, "GET",
	    "/unified/jobs?project_id=no-such-project", NULL, 404,
	    "project_not_found" },
	{ "health needs no key", K_NONE, "GET", "/health", NULL, 200, NULL },
	{ "own list", K_ALPHA, "GET", "/unified/jobs", NULL, 200, NULL },
	{ "read key reads", K_ALPHA_READ, "GET", "/unified/providers", NULL,
	    200, NULL },
	{ "admin, another project", K_ADMIN, "GET",
	    "/unified/jobs?project_id=alpha", NULL, 200, NULL },
};

Test(auth, matrix, .timeout = 60)
{
	struct itest_res r;
	const char *code;
	char *www;
	size_t i;

	keys_once();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct auth_case *c = &cases[i];

		call_as(&r, c->key, c->method, c->path, c->body,
		    "Prefer: respond-async");
		if (c->status == 0) {
			/* a batch answers per item */
			code = json_string_value(json_object_get(
			    json_object_get(json_array_get(json_object_get(
			    r.json, "items"), 0), "error"), "code"));
			cr_expect_str_eq(code ? code : "", c->code, "%s: %s",
			    c->name, r.body);
			itest_res_fini(&r);
			continue;
		}
		itest_expect_answer(&r, c->status, c->code, c->name);
		www = itest_header(&r, "WWW-Authenticate");
		cr_expect((r.status == 401) == (www != NULL),
		    "%s: WWW-Authenticate with every 401 only", c->name);
		free(www);
		itest_res_fini(&r);
	}
	printf("auth cases: %zu\n", sizeof(cases) / sizeof(cases[0]));
}

/* A job of project beta: beta's key reads it, alpha's never sees it. */
Test(auth, projects_never_meet, .timeout = 60)
{
	struct itest_res r;
	char path[96], id[40];
	const char *s;

	keys_once();
	call_as(&r, K_BETA, "POST", "/unified/generate", "{\"prompt\":"
	    "\"a beta lighthouse\",\"provider\":\"gemini\"}",
	    "Prefer: respond-async");
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(id, sizeof(id), "%s", itest_str(&r, "generation_id"));
	cr_assert_str_eq(itest_str(&r, "project_id"), "beta");
	itest_res_fini(&r);
	snprintf(path, sizeof(path), "/unified/jobs/%s", id);
	call_as(&r, K_BETA, "GET", path, NULL, NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	call_as(&r, K_ALPHA, "GET", path, NULL, NULL);
	cr_expect_eq(r.status, 404, "alpha reads beta's job: %s", r.body);
	itest_res_fini(&r);
	call_as(&r, K_ALPHA, "DELETE", path, NULL, NULL);
	cr_expect_eq(r.status, 404, "alpha cancels beta's job: %s", r.body);
	itest_res_fini(&r);
	call_as(&r, K_ALPHA, "GET", "/unified/jobs?limit=100", NULL, NULL);
	cr_assert_eq(r.status, 200);
	cr_expect_null(strstr(r.body, id), "alpha's list shows beta's job");
	cr_expect_null(strstr(r.body, "\"beta\""), "alpha sees beta rows");
	itest_res_fini(&r);
	/* the admin key sees every project */
	call_as(&r, K_ADMIN, "GET", path, NULL, NULL);
	cr_expect_eq(r.status, 200, "%s", r.body);
	s = itest_str(&r, "project_id");
	cr_expect_str_eq(s ? s : "", "beta");
	itest_res_fini(&r);
}

/* Row-level security holds in SQL itself: a query with no project
 * filter at all sees only the scope's rows, and cannot write others'. */
Test(auth, rls_in_sql, .timeout = 60)
{
	struct config cfg;
	struct log lg;
	struct db db;
	PGresult *res = NULL;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	cr_assert_eq(db_exec(&db, "INSERT INTO projects (id, name) VALUES "
	    "('rls-a', 'a'), ('rls-b', 'b') ON CONFLICT DO NOTHING", 0, NULL,
	    NULL), ERR_OK);
	cr_assert_eq(db_exec(&db, "INSERT INTO generation_jobs (project_id, "
	    "prompt_original, status) VALUES ('rls-b', 'secret of b', "
	    "'completed')", 0, NULL, NULL), ERR_OK);
	db_scope_set(&db, "rls-a");
	cr_assert_eq(db_exec(&db, "SELECT count(*) FROM generation_jobs "
	    "WHERE prompt_original = 'secret of b'", 0, NULL, &res), ERR_OK);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "0", "a sees b's job");
	PQclear(res);
	cr_expect_eq(db_exec(&db, "INSERT INTO generation_jobs (project_id, "
	    "prompt_original) VALUES ('rls-b', 'forged')", 0, NULL, NULL),
	    ERR_DB, "a writes into b");
	cr_expect_eq(db_exec(&db, "UPDATE generation_jobs SET status = "
	    "'failed' WHERE prompt_original = 'secret of b' RETURNING id", 0,
	    NULL, &res), ERR_OK);
	cr_expect_eq(PQntuples(res), 0, "a updates b's job");
	PQclear(res);
	db_scope_set(&db, "");
	cr_assert_eq(db_exec(&db, "SELECT count(*) FROM generation_jobs", 0,
	    NULL, &res), ERR_OK);
	cr_expect_str_eq(PQgetvalue(res, 0, 0), "0", "no scope sees rows");
	PQclear(res);
	db_scope_set(&db, "rls-b");
	cr_assert_eq(db_exec(&db, "SELECT count(*) FROM generation_jobs "
	    "WHERE prompt_original = 'secret of b'", 0, NULL, &res), ERR_OK);
	cr_expect_str_neq(PQgetvalue(res, 0, 0), "0", "b sees its job");
	PQclear(res);
	itest_db_close(&cfg, &db);
}

/* 2 requests a minute: the third gets 429 with Retry-After, and every
 * answer says where the key stands. */
Test(auth, rate_per_minute, .timeout = 60)
{
	struct itest_res r;
	char key[80], line[128], *v;
	const char *h[] = { line, NULL };
	int i;

	cr_assert_eq(keys_cmd("create --project alpha --rate-per-min 2", key,
	    sizeof(key)), 0);
	snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	for (i = 0; i < 3; i++) {
		itest_call(&r, "GET", "/unified/jobs?limit=1", h, NULL, 0);
		cr_assert_eq(r.status, i < 2 ? 200 : 429, "request %d: %s",
		    i + 1, r.body);
		v = itest_header(&r, "RateLimit-Limit");
		cr_expect_str_eq(v ? v : "", "2");
		free(v);
		v = itest_header(&r, "RateLimit-Remaining");
		cr_expect_eq(v ? atoi(v) : -1, i < 2 ? 1 - i : 0);
		free(v);
		if (i == 2) {
			cr_expect_str_eq(itest_str(&r, "error.code"),
			    "key_rate_limited");
			v = itest_header(&r, "Retry-After");
			cr_expect(v && atoi(v) >= 1 && atoi(v) <= 60, "%s",
			    v ? v : "no Retry-After");
			free(v);
		}
		itest_res_fini(&r);
	}
}

/* One generation in flight at most: the second is refused while the
 * first runs, and accepted once it ended. */
Test(auth, generations_in_flight, .timeout = 90)
{
	struct itest_res r;
	char key[80], line[128], path[96];
	const char *h[] = { line, "Content-Type: application/json",
	    "Prefer: respond-async", NULL }, *st = NULL;
	int i;

	cr_assert_eq(keys_cmd("create --project alpha --max-inflight 1 "
	    "--rate-per-min 0", key, sizeof(key)), 0);
	snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	itest_fault("gemini", "{\"latency_ms\":1500}");
	itest_call(&r, "POST", "/unified/generate", h, "{\"prompt\":\"a slow "
	    "fox\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "generation_id"));
	itest_res_fini(&r);
	itest_call(&r, "POST", "/unified/generate", h, "{\"prompt\":\"a second "
	    "fox\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_expect_eq(r.status, 429, "%s", r.body);
	cr_expect_str_eq(itest_str(&r, "error.code"), "too_many_in_flight");
	itest_res_fini(&r);
	for (i = 0; i < 300; i++) {
		itest_call(&r, "GET", path, h, NULL, 0);
		st = itest_str(&r, "status");
		if (st && (strcmp(st, "completed") == 0 ||
		    strcmp(st, "failed") == 0)) {
			itest_res_fini(&r);
			break;
		}
		itest_res_fini(&r);
		usleep(100000);
	}
	cr_assert_lt(i, 300, "the first job never ended");
	itest_fault("gemini", "");
	itest_call(&r, "POST", "/unified/generate", h, "{\"prompt\":\"a third "
	    "fox\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_expect_eq(r.status, 202, "%s", r.body);
	itest_res_fini(&r);
}

/* "keys create" refuses a bad project; AUTH=off refuses to start when
 * nginx listens off loopback. */
Test(auth, command_line, .timeout = 30)
{
	char cmd[1024];
	int rc;

	cr_expect_eq(keys_cmd("create --project 'Bad Project'", NULL, 0), 1);
	cr_expect_eq(keys_cmd("create", NULL, 0), 64, "no project: usage");
	cr_expect_eq(keys_cmd("create --project a --scopes root", NULL, 0),
	    64, "unknown scope: usage");
	snprintf(cmd, sizeof(cmd), "cd '%s' && AUTH=off HTTP_LISTEN=0.0.0.0:80 "
	    "'%s' -e /dev/null check-config >/dev/null 2>&1",
	    getenv("IMAGEGEN_ROOT"), getenv("IMAGEGEN_BIN"));
	rc = system(cmd);
	cr_expect(WIFEXITED(rc) && WEXITSTATUS(rc) == 78, "AUTH=off on "
	    "0.0.0.0 started");
	snprintf(cmd, sizeof(cmd), "cd '%s' && AUTH=off HTTP_LISTEN="
	    "127.0.0.1:8003 '%s' -e /dev/null check-config >/dev/null 2>&1",
	    getenv("IMAGEGEN_ROOT"), getenv("IMAGEGEN_BIN"));
	rc = system(cmd);
	cr_expect(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "AUTH=off on "
	    "loopback refused");
}
