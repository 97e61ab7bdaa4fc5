/*
 * tests/helpers/itest.c - libcurl client and stack control for the
 * integration tests.
 * Not here: assertions (tests/integration/).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>
#include <time.h>
#include <sys/wait.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "tests/helpers/itest.h"

struct buf {
	char	*p;
	size_t	 n;
};

static size_t
buf_add(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *np = realloc(b->p, b->n + size * n + 1);

	if (np == NULL)
		return 0;
	memcpy(np + b->n, data, size * n);
	b->p = np;
	b->n += size * n;
	b->p[b->n] = '\0';
	return size * n;
}

const char *
itest_base(void)
{
	const char *u = getenv("IMAGEGEN_TEST_URL");

	return u ? u : "http://127.0.0.1:8013";
}

/* The stack's client key ($IMAGEGEN_TEST_KEY, an admin key of project
 * "default") unless headers carry their own Authorization (a bare
 * "Authorization:" sends none). */
static void
itest_key_header(struct curl_slist **hl, const char *const *headers)
{
	const char *key = getenv("IMAGEGEN_TEST_KEY");
	char line[160];
	size_t i;

	for (i = 0; headers && headers[i]; i++)
		if (strncasecmp(headers[i], "Authorization:", 14) == 0)
			return;
	if (key == NULL || key[0] == '\0')
		return;
	snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
	*hl = curl_slist_append(*hl, line);
}

/* itest_call(); as_is sends the path unchanged (no "/../" squashed). */
static void
itest_perform(struct itest_res *r, const char *method, const char *path,
    const char *const *headers, const char *body, size_t blen, bool as_is)
{
	struct buf b = { NULL, 0 }, h = { NULL, 0 };
	struct curl_slist *hl = NULL;
	char url[2048];
	CURL *c = curl_easy_init();
	size_t i;

	memset(r, 0, sizeof(*r));
	snprintf(url, sizeof(url), "%s%s", itest_base(), path);
	for (i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	itest_key_header(&hl, headers);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, as_is ? 1L : 0L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)
		    (blen == (size_t)-1 ? strlen(body) : blen));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, buf_add);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, buf_add);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
	r->curl_err = (int)curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	{
		double t = 0;

		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &t);
		r->ms = t * 1000.0;
	}
	r->body = b.p ? b.p : strdup("");
	r->len = b.n;
	r->headers = h.p ? h.p : strdup("");
	r->json = json_loadb(r->body, r->len, 0, NULL);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

void
itest_call(struct itest_res *r, const char *method, const char *path,
    const char *const *headers, const char *body, size_t blen)
{
	itest_perform(r, method, path, headers, body, blen, false);
}

void
itest_get_raw(struct itest_res *r, const char *path)
{
	itest_perform(r, "GET", path, NULL, NULL, 0, true);
}

json_t *
itest_attempts(const struct itest_res *r)
{
	json_t *a = json_object_get(json_object_get(r->json, "metadata"),
	    "attempts");

	return a ? a : json_object_get(json_object_get(r->json, "error"),
	    "attempts");
}

void
itest_assert_error(const struct itest_res *r, long status, const char *code)
{
	cr_assert_eq(r->status, status, "status %ld body %s", r->status,
	    r->body);
	cr_assert_not_null(r->json, "no JSON error body: \"%s\"", r->body);
	cr_assert_str_eq(itest_str(r, "error.code"), code);
	cr_assert_not_null(itest_str(r, "error.message"));
}

void
itest_expect_answer(const struct itest_res *r, long status, const char *code,
    const char *what)
{
	const char *got = itest_str(r, "error.code");

	cr_expect_eq(r->status, status, "%s: %ld %s", what, r->status,
	    r->body);
	if (code != NULL)
		cr_expect_str_eq(got ? got : "", code, "%s: %s", what, r->body);
}

void
itest_get(struct itest_res *r, const char *path)
{
	itest_call(r, "GET", path, NULL, NULL, 0);
}

void
itest_submit_async(const char *body, char id[64])
{
	static const char *const h[] = { "Content-Type: application/json",
	    "Prefer: respond-async", NULL };
	struct itest_res r;

	itest_call(&r, "POST", "/unified/generate", h, body, (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(id, 64, "%s", itest_str(&r, "generation_id"));
	itest_res_fini(&r);
}

void
itest_res_fini(struct itest_res *r)
{
	free(r->body);
	free(r->headers);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

char *
itest_header(const struct itest_res *r, const char *name)
{
	const char *p = r->headers, *eol;
	size_t n = strlen(name);

	for (; *p; p = *eol ? eol + 1 : eol) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1, *e = eol;

			while (*v == ' ')
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			return strndup(v, (size_t)(e - v));
		}
	}
	return NULL;
}

const char *
itest_str(const struct itest_res *r, const char *path)
{
	char buf[256], *tok, *save = NULL;
	json_t *v = r->json;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	    tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return json_string_value(v);
}

static const char *
itest_root(void)
{
	const char *r = getenv("IMAGEGEN_ROOT");

	return r ? r : ".";
}

int
itest_stack(const char *cmd)
{
	char line[4096];
	int st;

	snprintf(line, sizeof(line), "sh '%s/app/stack.sh' %s test %s "
	    ">/dev/null 2>&1", itest_root(), cmd,
	    getenv("IMAGEGEN_BIN") ? getenv("IMAGEGEN_BIN") : "");
	st = system(line);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *
itest_var(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/var/test/%s", itest_root(), rel);
	return path;
}

int
itest_node_client(const char *script, char *out, size_t len)
{
	char cmd[2048];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd '%s/tests/node' && node '%s' '%s' "
	    "'%s' 2>&1", itest_root(), script, itest_base(),
	    getenv("IMAGEGEN_TEST_KEY") ? getenv("IMAGEGEN_TEST_KEY") : "");
	out[0] = '\0';
	cr_assert_not_null(p = popen(cmd, "r"), "%s", cmd);
	while (n < len - 1 && fgets(out + n, (int)(len - n), p) != NULL)
		n += strlen(out + n);
	return pclose(p);
}

int
itest_sandbox_port(const char *kind)
{
	static const char *const kinds[] = { "leonardo", "runware", "gemini",
	    "comfyui", "ollama" };
	const char *b = getenv("SB_BASE");
	int i;

	for (i = 0; i < 5; i++)
		if (strcmp(kinds[i], kind) == 0)
			return (b ? atoi(b) : 18110) + 1 + i;
	return 0;
}

void
itest_sandbox_call(struct itest_res *r, const char *kind, const char *method,
    const char *what, const char *body)
{
	static const char *const h[] = { "Content-Type: application/json",
	    NULL };
	char base[64], *saved = getenv("IMAGEGEN_TEST_URL") ?
	    strdup(getenv("IMAGEGEN_TEST_URL")) : NULL;

	snprintf(base, sizeof(base), "http://127.0.0.1:%d",
	    itest_sandbox_port(kind));
	setenv("IMAGEGEN_TEST_URL", base, 1);
	itest_call(r, method, what, h, body, body ? (size_t)-1 : 0);
	if (saved) {
		setenv("IMAGEGEN_TEST_URL", saved, 1);
		free(saved);
	} else
		unsetenv("IMAGEGEN_TEST_URL");
}

void
itest_fault(const char *kind, const char *json)
{
	struct itest_res r;

	if (json == NULL || json[0] == '\0')
		itest_sandbox_call(&r, kind, "DELETE", "/__sandbox/faults", NULL);
	else
		itest_sandbox_call(&r, kind, "POST", "/__sandbox/faults", json);
	/* A misspelled key would inject nothing: the sandbox says 400. */
	cr_assert_eq(r.status, 200, "sandbox %s faults %s: HTTP %ld %s", kind,
	    json ? json : "", r.status, r.body);
	itest_res_fini(&r);
}

static const char *const sandbox_kinds[] = { "leonardo", "runware",
    "gemini", "comfyui", "ollama" };

/* Why the stack is not yet quiet (a circuit open or in a trial, a place
 * held, a sandbox call in flight), into why; false when it is. */
static bool
itest_busy(char *why, size_t len)
{
	struct itest_res r;
	struct timespec ts;
	json_t *p, *c;
	long long now;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(why, len, "quiet");
	for (i = 0; i < sizeof(sandbox_kinds) / sizeof(sandbox_kinds[0]); i++)
		if (itest_sandbox_in_flight(sandbox_kinds[i]) > 0) {
			snprintf(why, len, "a %s call in flight",
			    sandbox_kinds[i]);
			return true;
		}
	itest_get(&r, "/unified/providers");
	json_array_foreach(json_object_get(r.json, "providers"), i, p) {
		c = json_object_get(p, "circuit");
		if (strcmp(json_string_value(json_object_get(c, "state")) ?
		    json_string_value(json_object_get(c, "state")) : "closed",
		    "closed") != 0 && json_integer_value(json_object_get(c,
		    "open_until_ms")) > now)
			snprintf(why, len, "%s: circuit %s", json_string_value(
			    json_object_get(p, "name")), json_string_value(
			    json_object_get(c, "state")));
		else if (json_integer_value(json_object_get(c, "in_flight")) > 0)
			snprintf(why, len, "%s: a place held",
			    json_string_value(json_object_get(p, "name")));
	}
	if (r.status != 200)
		snprintf(why, len, "/unified/providers: HTTP %ld", r.status);
	itest_res_fini(&r);
	return strcmp(why, "quiet") != 0;
}

void
itest_faults_clear(void)
{
	char why[128];
	size_t i;

	for (i = 0; i < sizeof(sandbox_kinds) / sizeof(sandbox_kinds[0]); i++)
		itest_fault(sandbox_kinds[i], "");
	/* Polls (circuits cool down in 2 s in tests), bounded. */
	for (i = 0; i < 200 && itest_busy(why, sizeof(why)); i++)
		usleep(50000);
	cr_assert(strcmp(why, "quiet") == 0, "still busy after 10 s: %s", why);
}

long long
itest_sandbox_seq(const char *kind)
{
	struct itest_res r;
	long long seq;

	itest_sandbox_call(&r, kind, "GET", "/__sandbox/seq", NULL);
	cr_assert_eq(r.status, 200, "%s", r.body);
	seq = (long long)json_integer_value(json_object_get(r.json, "seq"));
	itest_res_fini(&r);
	return seq;
}

json_t *
itest_sandbox_since(const char *kind, long long seq)
{
	json_t *log = itest_sandbox_requests(kind), *out = json_array(), *e;
	size_t i;

	json_array_foreach(log, i, e)
		if (json_integer_value(json_object_get(e, "seq")) > seq)
			json_array_append(out, e);
	json_decref(log);
	return out;
}

int
itest_sandbox_in_flight(const char *kind)
{
	struct itest_res r;
	int now;

	itest_sandbox_call(&r, kind, "GET", "/__sandbox/concurrency", NULL);
	now = (int)json_integer_value(json_object_get(r.json, "now"));
	itest_res_fini(&r);
	return now;
}

void
itest_sandbox_forget(const char *kind)
{
	struct itest_res r;

	itest_sandbox_call(&r, kind, "DELETE", "/__sandbox/requests", NULL);
	itest_res_fini(&r);
}

json_t *
itest_sandbox_requests(const char *kind)
{
	struct itest_res r;
	json_t *out;

	itest_sandbox_call(&r, kind, "GET", "/__sandbox/requests", NULL);
	out = json_incref(r.json);
	itest_res_fini(&r);
	return out;
}

int
itest_sandbox_concurrency(const char *kind, bool reset)
{
	struct itest_res r;
	int max;

	itest_sandbox_call(&r, kind, reset ? "DELETE" : "GET",
	    "/__sandbox/concurrency", NULL);
	max = (int)json_integer_value(json_object_get(r.json, "max"));
	itest_res_fini(&r);
	return max;
}

size_t
itest_sandbox_count(const char *kind, const char *method, const char *path)
{
	json_t *log = itest_sandbox_requests(kind), *e;
	size_t i, n = 0;

	json_array_foreach(log, i, e)
		n += strcmp(json_string_value(json_object_get(e, "method")),
		    method) == 0 && strncmp(json_string_value(json_object_get(e,
		    "path")), path, strlen(path)) == 0;
	json_decref(log);
	return n;
}

enum err
itest_db_open(struct config *cfg, struct log *lg, struct db *db)
{
	char why[256];
	enum err e;

	setenv("DATABASE_URL", getenv("IMAGEGEN_TEST_DB") ?
	    getenv("IMAGEGEN_TEST_DB") :
	    "postgresql://imagegen@127.0.0.1:54339/imagegen", 1);
	if ((e = cfg_load(cfg, NULL, why, sizeof(why))) != ERR_OK) {
		fprintf(stderr, "itest: %s\n", why);
		return e;
	}
	log_init(lg, 2, cfg, "test");
	db_init(db, cfg, lg);
	return ERR_OK;
}

void
itest_db_close(struct config *cfg, struct db *db)
{
	db_close(db);
	cfg_fini(cfg);
}

void
itest_sql(struct db *db, const char *q)
{
	cr_assert_eq(db_exec(db, q, 0, NULL, NULL), ERR_OK, "%s", q);
}

void
itest_configs_save(struct db *db)
{
	itest_sql(db, "CREATE TABLE IF NOT EXISTS provider_configs_saved AS "
	    "SELECT * FROM provider_configs");
}

void
itest_configs_restore(struct db *db)
{
	/* One statement per call (the extended protocol). */
	itest_sql(db, "DELETE FROM provider_configs");
	itest_sql(db, "INSERT INTO provider_configs SELECT * FROM "
	    "provider_configs_saved");
	itest_sql(db, "DROP TABLE provider_configs_saved");
}

void
itest_project_make(const char *id)
{
	const char *p[1] = { id };
	struct config cfg;
	struct log lg;
	struct db db;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	cr_assert_eq(db_exec(&db, "SELECT imagegen_project_ensure($1)", 1, p,
	    NULL), ERR_OK, "project %s", id);
	itest_db_close(&cfg, &db);
}

/* The sandbox's protocols, for what every one of them gets. */
static const char *const sb_all[] = { "leonardo", "runware", "gemini",
    "comfyui", "ollama" };

void
itest_faults_reset(void)
{
	size_t i;

	for (i = 0; i < sizeof(sb_all) / sizeof(sb_all[0]); i++)
		itest_fault(sb_all[i], "");
}

void
itest_sandbox_forget_all(void)
{
	size_t i;

	for (i = 0; i < sizeof(sb_all) / sizeof(sb_all[0]); i++)
		itest_sandbox_forget(sb_all[i]);
}

size_t
itest_sandbox_total(void)
{
	json_t *log;
	size_t i, n = 0;

	for (i = 0; i < sizeof(sb_all) / sizeof(sb_all[0]); i++) {
		log = itest_sandbox_requests(sb_all[i]);
		n += json_array_size(log);
		json_decref(log);
	}
	return n;
}
