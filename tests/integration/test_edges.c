/*
 * tests/integration/test_edges.c - edges no other suite checks, through
 * nginx: an allowed Origin gets Access-Control-Allow-Origin on error
 * answers too (4xx and 5xx, the request id's 400 among them); the
 * X-Request-Id of 128 characters is taken and echoed, 129 refused; dry
 * runs (a generation, a batch) store nothing: no row in any table, no
 * file, no provider called.
 * Not here: CORS preflights and denied origins (test_http.c,
 * test_browser.c), the error codes themselves (test_errors.c).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <libpq-fe.h>

#include "tests/helpers/itest.h"

#define ORIGIN	"https://app.example"	/* in CORS_ORIGINS of the stack */

TestSuite(edges, .init = itest_faults_clear);

/* Answers of every kind of failure, each asked from an allowed origin. */
static const struct {
	const char	*name;
	const char	*method, *path, *header, *body;
	long		 status;
} failures[] = {
	{ "no route", "GET", "/unified/nothing", NULL, NULL, 404 },
	{ "no key", "GET", "/unified/jobs", "Authorization:", NULL, 401 },
	{ "wrong method", "DELETE", "/health", NULL, NULL, 405 },
	{ "bad query", "GET", "/unified/jobs?limit=0", NULL, NULL, 400 },
	{ "bad request id", "GET", "/health", "X-Request-Id: not ok!", NULL,
	    400 },
	{ "bad field", "POST", "/unified/generate", NULL,
	    "{\"prompt\":\"x\",\"num_images\":9}", 422 },
	{ "bad JSON", "POST", "/unified/generate", NULL, "{\"prompt\":", 400 },
	{ "provider failed", "POST", "/unified/generate", NULL,
	    "{\"prompt\":\"TEXTONLY\",\"provider\":\"gemini\",\"fallback\":"
	    "false}", 502 },
	{ "blocked", "POST", "/unified/generate", NULL,
	    "{\"prompt\":\"BLOCKME\",\"provider\":\"gemini\"}", 422 },
};

Test(edges, cors_headers_on_error_answers, .timeout = 60)
{
	struct itest_res r;
	const char *h[4];
	char *v;
	size_t i, n;

	for (i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		n = 0;
		h[n++] = "Origin: " ORIGIN;
		h[n++] = "Content-Type: application/json";
		if (failures[i].header != NULL)
			h[n++] = failures[i].header;
		h[n] = NULL;
		itest_call(&r, failures[i].method, failures[i].path, h,
		    failures[i].body, failures[i].body ? (size_t)-1 : 0);
		cr_expect_eq(r.status, failures[i].status, "%s: %ld %s",
		    failures[i].name, r.status, r.body);
		cr_expect_not_null(itest_str(&r, "error.code"), "%s: %s",
		    failures[i].name, r.body);
		v = itest_header(&r, "Access-Control-Allow-Origin");
		cr_expect_str_eq(v ? v : "(none)", ORIGIN, "%s: a page of "
		    "that origin could not read the error", failures[i].name);
		free(v);
		v = itest_header(&r, "Access-Control-Expose-Headers");
		cr_expect(v != NULL && strstr(v, "X-Request-Id") != NULL,
		    "%s: X-Request-Id exposed", failures[i].name);
		free(v);
		itest_res_fini(&r);
	}
}

/* n characters of the allowed set, into buf. */
static void
reqid_make(char *buf, size_t n)
{
	static const char set[] = "abcXYZ019._:-";
	size_t i;

	for (i = 0; i < n; i++)
		buf[i] = set[i % (sizeof(set) - 1)];
	buf[n] = '\0';
}

Test(edges, request_id_of_128_taken_129_refused)
{
	char id[140], h[160], *v;
	const char *hv[2] = { h, NULL };
	struct itest_res r;

	reqid_make(id, 128);
	snprintf(h, sizeof(h), "X-Request-Id: %s", id);
	itest_call(&r, "GET", "/unified/nothing", hv, NULL, 0);
	cr_assert_eq(r.status, 404, "%s", r.body);
	v = itest_header(&r, "X-Request-Id");
	cr_assert_str_eq(v ? v : "", id, "128 characters echoed whole");
	free(v);
	cr_assert_str_eq(itest_str(&r, "error.request_id"), id, "%s", r.body);
	itest_res_fini(&r);
	reqid_make(id, 129);
	snprintf(h, sizeof(h), "X-Request-Id: %s", id);
	itest_call(&r, "GET", "/health", hv, NULL, 0);
	itest_assert_error(&r, 400, "invalid_request_id");
	v = itest_header(&r, "X-Request-Id");
	cr_assert_not_null(v);
	cr_assert_str_neq(v, id, "a refused id is not echoed");
	cr_assert_str_eq(itest_str(&r, "error.request_id"), v,
	    "the id it is logged under instead: %s", r.body);
	free(v);
	itest_res_fini(&r);
}

/* Rows of every table the service writes, summed. */
static long
rows_everywhere(void)
{
	static const char *const tables[] = { "generation_jobs", "images",
	    "generation_batches", "prompt_jobs" };
	struct config cfg;
	struct log lg;
	struct db db;
	char q[128];
	PGresult *res;
	long n = 0;
	size_t i;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		res = NULL;
		snprintf(q, sizeof(q), "SELECT count(*) FROM %s", tables[i]);
		cr_assert_eq(db_exec(&db, q, 0, NULL, &res), ERR_OK, "%s", q);
		n += atol(PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	itest_db_close(&cfg, &db);
	return n;
}

Test(edges, dry_runs_store_nothing, .timeout = 60)
{
	static const char *const json_h[] = { "Content-Type: application/json",
	    NULL };
	char project[64], body[1024], dir[1024];
	struct itest_res r;
	long before;
	DIR *d;

	snprintf(project, sizeof(project), "dry-run-%ld-%d", (long)time(NULL),
	    (int)getpid());
	itest_project_make(project);
	itest_sandbox_forget_all();
	before = rows_everywhere();
	snprintf(body, sizeof(body), "{\"prompt\":\"a red fox in the snow, "
	    "%s\",\"provider\":\"runware_ai\",\"project_id\":\"%s\"}", project,
	    project);
	itest_call(&r, "POST", "/unified/generate?dry_run=1", json_h, body,
	    (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert(json_is_true(json_object_get(r.json, "dry_run")), "%s",
	    r.body);
	itest_res_fini(&r);
	snprintf(body, sizeof(body), "{\"requests\":[{\"prompt\":\"a fox\","
	    "\"project_id\":\"%s\"},{\"prompt\":\"a heron\",\"provider\":"
	    "\"comfyui\",\"project_id\":\"%s\"}]}", project, project);
	itest_call(&r, "POST", "/unified/generate/batch?dry_run=1", json_h,
	    body, (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	cr_assert_eq(rows_everywhere(), before, "a dry run wrote rows");
	cr_assert_eq(itest_sandbox_total(), 0, "a dry run called a provider");
	snprintf(dir, sizeof(dir), "%s", itest_var("storage/images/"));
	strncat(dir, project, sizeof(dir) - strlen(dir) - 1);
	d = opendir(dir);
	cr_assert_null(d, "a dry run made %s", dir);
}
