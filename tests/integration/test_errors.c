/*
 * tests/integration/test_errors.c - every code of lib/core/err.c's table
 * reached over HTTP through nginx with its status and a JSON error body:
 * one row per code below, either a request (with a sandbox fault) run as
 * its own parameterized test, a test of this file that needs more setup
 * (a file where a directory should be, a PostgreSQL trigger installed for
 * one project and dropped after), a test of another file, or the reason
 * no request can reach it. Test "catalog" fails when a code of the table
 * has no row (a code added without a test), or a row's status is not the
 * table's.
 * Not here: the provider adapters' own mappings (test_provider_errors.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "lib/core/err.h"
#include "lib/core/util.h"
#include "tests/helpers/itest.h"

/* A generation asked of one provider only, with a sandbox fault. */
#define GEN(p)	"{\"prompt\":\"a lighthouse\",\"provider\":\"" p "\"," \
		"\"fallback\":false,\"width\":512,\"height\":512}"
#define JSON	"Content-Type: application/json"
/* Codes reached in this file by a test of their own. */
#define OWN	"own"

/* How a code is reached: a request (method set), a test of its own here
 * (where OWN), a test elsewhere (where "file: test"), or why not (why). */
struct reach {
	const char	*code;
	long		 status;
	const char	*method, *path, *header, *body;
	const char	*kind, *fault;	/* sandbox fault before the request */
	bool		 unwell;	/* the fault opens circuits: cool after */
	const char	*where;
	const char	*why;
};

static const struct reach rows[] = {
	{ "ok", 200, "GET", "/health", NULL, NULL, NULL, NULL, 0, 0, 0 },
	{ "bad_json", 400, "POST", "/unified/generate", JSON, "{\"prompt\":",
	    NULL, NULL, 0, 0, 0 },
	{ "invalid_field", 422, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"x\",\"num_images\":9}", NULL, NULL, 0, 0, 0 },
	{ "missing_field", 422, "POST", "/unified/generate", JSON,
	    "{\"negative_prompt\":\"x\"}", NULL, NULL, 0, 0, 0 },
	{ "invalid_request_id", 400, "GET", "/health",
	    "X-Request-Id: has spaces", NULL, NULL, NULL, 0, 0, 0 },
	{ "invalid_query", 400, "GET", "/unified/jobs?limit=0", NULL, NULL,
	    NULL, NULL, 0, 0, 0 },
	{ "unsupported_media_type", 415, "POST", "/unified/generate",
	    "Content-Type: text/plain", "{\"prompt\":\"x\"}", NULL, NULL, 0, 0,
	    0 },
	{ "not_found", 404, "GET", "/unified/nothing-here", NULL, NULL, NULL,
	    NULL, 0, 0, 0 },
	{ "method_not_allowed", 405, "DELETE", "/health", NULL, NULL, NULL,
	    NULL, 0, 0, 0 },
	{ "payload_too_large", 413, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN,
	    0 },
	{ "origin_not_allowed", 403, "GET", "/unified/jobs?limit=1",
	    "Origin: https://evil.example", NULL, NULL, NULL, 0, 0, 0 },
	{ "prompt_empty", 422, "POST", "/unified/validate-prompt", JSON,
	    "{\"prompt\":\"   \"}", NULL, NULL, 0, 0, 0 },
	{ "prompt_invalid_encoding", 422, "POST", "/unified/validate-prompt",
	    JSON, "{\"prompt\":\"a\xff\"}", NULL, NULL, 0, 0, 0 },
	{ "prompt_too_long", 400, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN,
	    0 },
	{ "content_blocked", 422, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"BLOCKME\",\"provider\":\"gemini\"}", NULL, NULL, 0,
	    0, 0 },
	{ "no_image", 502, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"TEXTONLY\",\"provider\":\"gemini\",\"fallback\":"
	    "false}", NULL, NULL, 0, 0, 0 },
	{ "auth_failed", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"wrong_auth\":true}", 0, 0, 0 },
	{ "invalid_request", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"status\":400}", 0, 0, 0 },
	{ "rate_limited", 429, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"status\":429}", 1, 0, 0 },
	{ "provider_unavailable", 503, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"status\":503}", 1, 0, 0 },
	{ "no_provider", 503, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"x\",\"provider\":\"runware_ai\",\"seed\":0,"
	    "\"fallback\":false}", NULL, NULL, 0, 0, 0 },
	{ "timeout", 504, "POST", "/unified/generate", JSON, GEN("runware_ai"),
	    "runware", "{\"status\":408}", 1, 0, 0 },
	{ "bad_response", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"malformed\":true}", 1, 0, 0 },
	{ "image_invalid", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"truncate_image\":true,"
	    "\"path\":\"/img/\"}", 0, 0, 0 },
	{ "image_too_large", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"oversize_image\":true,"
	    "\"path\":\"/img/\"}", 0, 0, 0 },
	{ "image_url_refused", 502, "POST", "/unified/generate", JSON,
	    GEN("runware_ai"), "runware", "{\"image_url\":"
	    "\"https://evil.example/x.png\"}", 0, 0, 0 },
	{ "model_not_allowed", 422, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"x\",\"provider\":\"gemini\",\"model\":\"nope\"}",
	    NULL, NULL, 0, 0, 0 },
	{ "insufficient_storage", 507, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/faults/test_disk_full.c: answers_507_leaves_nothing_and_"
	    "recovers (ENOSPC needs a full file system: a tmpfs mounted over "
	    "one project's directory)", 0 },
	{ "storage_error", 500, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN, 0 },
	{ "database_unavailable", 503, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_database.c: down_is_degraded_then_recovers "
	    "(PostgreSQL stopped and started again)", 0 },
	{ "database_error", 500, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN,
	    0 },
	{ "out_of_memory", 500, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL,
	    "only a failed allocation (malloc, jansson, libcurl returning NULL) "
	    "gives it; no request can make one fail: bodies are capped at "
	    "BODY_MAX_BYTES and every size the service allocates for is "
	    "bounded, and a switch to fail allocations on demand would be "
	    "mutable global state in the service (STYLE.md section 6). The "
	    "table row itself is checked by tests/unit/lib/core/test_err.c" },
	{ "cancelled", 409, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN, 0 },
	{ "idempotency_key_reused", 422, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    OWN, 0 },
	{ "unauthorized", 401, "GET", "/unified/jobs", "Authorization:", NULL,
	    NULL, NULL, 0, 0, 0 },
	{ "invalid_api_key", 401, "GET", "/unified/jobs",
	    "Authorization: Bearer igk_00000000_0000", NULL, NULL, NULL, 0, 0,
	    0 },
	{ "api_key_revoked", 401, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_auth.c: matrix (a key revoked with "
	    "imagegen keys revoke)", 0 },
	{ "insufficient_scope", 403, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_auth.c: matrix (a read key generating)", 0 },
	{ "project_forbidden", 403, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_auth.c: matrix (a project key naming "
	    "another project)", 0 },
	{ "project_not_found", 404, "POST", "/unified/generate", JSON,
	    "{\"prompt\":\"x\",\"project_id\":\"errors-no-such-project\"}",
	    NULL, NULL, 0, 0, 0 },
	{ "key_rate_limited", 429, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_auth.c: rate_per_minute (a key of 2 "
	    "requests a minute)", 0 },
	{ "too_many_in_flight", 429, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	    "tests/integration/test_auth.c: generations_in_flight (a key of 1 "
	    "generation at once)", 0 },
	{ "internal_error", 500, NULL, NULL, NULL, NULL, NULL, NULL, 0, OWN,
	    0 },
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))

static const struct reach *
row_of(const char *code)
{
	size_t i;

	for (i = 0; i < NROWS; i++)
		if (strcmp(rows[i].code, code) == 0)
			return &rows[i];
	return NULL;
}

/* Every code of the table has exactly one row, with the table's status,
 * and one way: a request, a test, or a reason. */
Test(errors, catalog)
{
	const struct reach *r;
	size_t i, n;
	int e;

	for (e = 0; e < ERR__MAX; e++) {
		r = row_of(err_code((enum err)e));
		cr_expect_not_null(r, "code %s has no row here: a test or the "
		    "reason it cannot be reached over HTTP", err_code(e));
		if (r == NULL)
			continue;
		cr_expect_eq(r->status, err_status((enum err)e), "%s", r->code);
		n = (r->method != NULL) + (r->where != NULL) + (r->why != NULL);
		cr_expect_eq(n, 1, "%s: one of request, test, reason", r->code);
	}
	for (i = 0, n = 0; i < NROWS; i++)
		n += err_from_code(rows[i].code) != ERR_INTERNAL ||
		    strcmp(rows[i].code, "internal_error") == 0;
	cr_expect_eq(n, NROWS, "a row names a code the table does not have");
	cr_expect_eq(NROWS, (size_t)ERR__MAX, "one row per code");
}

ParameterizedTestParameters(errors, by_request)
{
	static size_t idx[NROWS];
	size_t i, n = 0;

	for (i = 0; i < NROWS; i++)
		if (rows[i].method != NULL)
			idx[n++] = i;
	return cr_make_param_array(size_t, idx, n);
}

/* One request per row (the index into rows): its status, its code, a
 * message and the request id in the body. */
ParameterizedTest(size_t *i, errors, by_request, .init = itest_faults_reset,
    .timeout = 60)
{
	const struct reach *w = &rows[*i];
	const char *h[2] = { w->header, NULL };
	struct itest_res r;

	if (w->kind != NULL)
		itest_fault(w->kind, w->fault);
	itest_call(&r, w->method, w->path, h, w->body,
	    w->body ? (size_t)-1 : 0);
	if (w->unwell)
		itest_faults_clear();	/* the circuit it opened cools */
	else if (w->kind != NULL)
		itest_fault(w->kind, "");
	if (w->status == 200) {
		cr_assert_eq(r.status, 200, "%s: %s", w->code, r.body);
		cr_assert_null(json_object_get(r.json, "error"), "%s", r.body);
	} else {
		cr_assert_eq(r.status, w->status, "%s: %ld %s", w->code,
		    r.status, r.body);
		itest_assert_error(&r, w->status, w->code);
		cr_assert_not_null(itest_str(&r, "error.request_id"), "%s",
		    r.body);
	}
	itest_res_fini(&r);
}

static const char *const json_h[] = { JSON, NULL };

static void
generate(struct itest_res *r, const char *project)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"prompt\":\"a quiet harbour\","
	    "\"provider\":\"gemini\",\"fallback\":false,\"project_id\":\"%s\"}",
	    project);
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
}

/* The status and code of row code, with a message. */
static void
assert_row(const struct itest_res *r, const char *code)
{
	const struct reach *w = row_of(code);

	cr_assert_not_null(w);
	cr_assert_str_eq(w->where ? w->where : "", OWN, "%s", code);
	itest_assert_error(r, w->status, code);
}

TestSuite(errors_own, .init = itest_faults_reset);

/* Every route that takes a prompt says what validate-prompt says of a
 * NUL or of a byte that is not UTF-8 (generate said invalid_field or
 * bad_json). A batch's NUL is its item's answer (not here). */
Test(errors_own, prompt_invalid_encoding_on_every_prompt_route)
{
	static const struct {
		const char	*path, *body;
	} cases[] = {
		{ "/unified/generate", "{\"prompt\":\"a\\u0000b\"}" },
		{ "/unified/generate", "{\"prompt\":\"a\xff\"}" },
		{ "/unified/generate/quick", "{\"prompt\":\"a\\u0000b\"}" },
		{ "/unified/generate/quick", "{\"prompt\":\"a\xff\"}" },
		{ "/unified/generate/batch",
		  "{\"requests\":[{\"prompt\":\"a\xff\"}]}" },
		{ "/unified/validate-prompt", "{\"prompt\":\"a\\u0000b\"}" },
		{ "/unified/validate-prompt", "{\"prompt\":\"a\xff\"}" },
	};
	struct itest_res r;
	size_t i;

	for (i = 0; i < NELEM(cases); i++) {
		itest_call(&r, "POST", cases[i].path, json_h, cases[i].body,
		    (size_t)-1);
		itest_expect_answer(&r, 422, "prompt_invalid_encoding",
		    cases[i].body);
		itest_res_fini(&r);
	}
}

/* BODY_MAX_BYTES is 65536 in the test stack (nginx's cap is higher). */
Test(errors_own, payload_too_large)
{
	size_t n = 70000;
	char *b = malloc(n + 1);
	struct itest_res r;

	cr_assert_not_null(b);
	snprintf(b, n + 1, "{\"prompt\":\"");
	memset(b + 11, 'a', n - 13);
	memcpy(b + n - 2, "\"}", 3);
	itest_call(&r, "POST", "/unified/generate", json_h, b, n);
	assert_row(&r, "payload_too_large");
	itest_res_fini(&r);
	free(b);
}

/* PROMPT_MAX_CHARS is 10000. */
Test(errors_own, prompt_too_long)
{
	size_t n = 10001 + 13;
	char *b = malloc(n + 1);
	struct itest_res r;

	cr_assert_not_null(b);
	snprintf(b, n + 1, "{\"prompt\":\"");
	memset(b + 11, 'a', 10001);
	memcpy(b + 11 + 10001, "\"}", 3);
	itest_call(&r, "POST", "/unified/validate-prompt", json_h, b,
	    (size_t)-1);
	assert_row(&r, "prompt_too_long");
	itest_res_fini(&r);
	free(b);
}

/* A client waiting on a job that is cancelled meanwhile (DELETE of a
 * finished job removes its images instead: test_storage). A child
 * process waits until the sandbox holds the call, finds the running job
 * and cancels it; the waiting client gets 409 cancelled. */
static void
cancel_running_gemini_job(void)
{
	struct itest_res l, d;
	char path[128];
	int i;

	for (i = 0; i < 500 && itest_sandbox_in_flight("gemini") < 1; i++)
		usleep(10000);
	itest_get(&l, "/unified/jobs?limit=1");	/* newest first: ours */
	snprintf(path, sizeof(path), "/unified/jobs/%s", json_string_value(
	    json_object_get(json_array_get(json_object_get(l.json, "items"), 0),
	    "generation_id")));
	itest_call(&d, "DELETE", path, NULL, NULL, 0);
	if (d.status != 200)
		fprintf(stderr, "list %ld %.300s\nDELETE %s: %ld %.300s\n", l.status,
		    l.body, path, d.status, d.body);
	_exit(d.status == 200 ? 0 : 1);
}

Test(errors_own, cancelled, .timeout = 60)
{
	struct itest_res r;
	pid_t kid;
	int st = -1;

	itest_fault("gemini", "{\"latency_ms\":1800}");
	kid = fork();
	cr_assert_neq(kid, -1);
	if (kid == 0)
		cancel_running_gemini_job();
	generate(&r, "default");
	cr_assert_eq(waitpid(kid, &st, 0), kid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the DELETE failed");
	assert_row(&r, "cancelled");
	itest_res_fini(&r);
}

/* The same Idempotency-Key with another body. */
Test(errors_own, idempotency_key_reused)
{
	char key[80];
	const char *h[3] = { JSON, key, NULL };
	struct itest_res r;

	snprintf(key, sizeof(key), "Idempotency-Key: errors-%ld-%d",
	    (long)time(NULL), (int)getpid());
	itest_call(&r, "POST", "/unified/generate", h, "{\"prompt\":\"a red "
	    "kite\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	itest_call(&r, "POST", "/unified/generate", h, "{\"prompt\":\"a blue "
	    "kite\",\"provider\":\"gemini\"}", (size_t)-1);
	assert_row(&r, "idempotency_key_reused");
	itest_res_fini(&r);
}

/* A file where the project's image directory should be: mkdir succeeds
 * (it exists), creating the file under it fails with ENOTDIR. Root can
 * write anywhere, so an unwritable mode would prove nothing here. */
#define STORE_PROJECT	"errors-storage-drill"

static void
store_fini(void)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", itest_var("storage/images/"
	    STORE_PROJECT));
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

Test(errors_own, storage_error, .fini = store_fini, .timeout = 60)
{
	struct itest_res r;
	FILE *f;

	itest_project_make(STORE_PROJECT);
	store_fini();		/* the directory of an earlier run */
	mkdir(itest_var("storage"), 0755);
	mkdir(itest_var("storage/images"), 0755);
	cr_assert_not_null(f = fopen(itest_var("storage/images/"
	    STORE_PROJECT), "w"));
	fclose(f);
	generate(&r, STORE_PROJECT);
	assert_row(&r, "storage_error");
	cr_assert_eq(json_array_size(itest_attempts(&r)), 1,
	    "our disk, not the provider's: no other try: %s", r.body);
	itest_res_fini(&r);
	store_fini();
	generate(&r, STORE_PROJECT);
	cr_assert_eq(r.status, 200, "once the directory can be made: %s",
	    r.body);
	itest_res_fini(&r);
}

/* A trigger on generation_jobs for two projects only: one makes the
 * job's INSERT fail (database_error), the other empties the queued
 * request's params, which the runner then cannot read back
 * (internal_error). Dropped after each test. */
#define DB_PROJECT		"errors-db-drill"
#define INTERNAL_PROJECT	"errors-internal-drill"

static void
trap_drop(void)
{
	struct config cfg;
	struct log lg;
	struct db db;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	itest_sql(&db, "DROP TRIGGER IF EXISTS itest_errors_trap ON "
	    "generation_jobs");
	itest_sql(&db, "DROP FUNCTION IF EXISTS itest_errors_trap()");
	itest_db_close(&cfg, &db);
}

static void
trap_install(void)
{
	struct config cfg;
	struct log lg;
	struct db db;

	trap_drop();
	itest_project_make(DB_PROJECT);
	itest_project_make(INTERNAL_PROJECT);
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	itest_sql(&db, "CREATE FUNCTION itest_errors_trap() RETURNS trigger "
	    "LANGUAGE plpgsql AS $$ BEGIN "
	    "IF NEW.project_id = '" DB_PROJECT "' THEN "
	    "RAISE EXCEPTION 'test_errors: database_error drill'; END IF; "
	    "IF NEW.project_id = '" INTERNAL_PROJECT "' THEN "
	    "NEW.params := '{}'::jsonb; END IF; RETURN NEW; END $$");
	itest_sql(&db, "CREATE TRIGGER itest_errors_trap BEFORE INSERT ON "
	    "generation_jobs FOR EACH ROW EXECUTE FUNCTION "
	    "itest_errors_trap()");
	itest_db_close(&cfg, &db);
}

Test(errors_own, database_error, .init = trap_install, .fini = trap_drop)
{
	struct itest_res r;

	generate(&r, DB_PROJECT);
	assert_row(&r, "database_error");
	itest_res_fini(&r);
	generate(&r, "default");
	cr_assert_eq(r.status, 200, "other projects unharmed: %s", r.body);
	itest_res_fini(&r);
}

Test(errors_own, internal_error, .init = trap_install, .fini = trap_drop,
    .timeout = 60)
{
	struct itest_res r;

	generate(&r, INTERNAL_PROJECT);
	assert_row(&r, "internal_error");
	cr_assert_not_null(itest_str(&r, "error.generation_id"), "%s", r.body);
	itest_res_fini(&r);
}
