/*
 * tests/integration/test_storage.c - `imagegen storage usage|orphans|
 * prune` run against the test stack's database and storage, on images
 * made by real generations through the sandbox; DELETE of a finished job
 * removing its files (nginx then answers 404); /unified/stats counting
 * requests and attempts apart and the optimizations of long prompts.
 * Each test works in its own project (named after the run's pid).
 * Not here: path containment and durations alone (unit tests).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static struct config cfg;
static struct log lg;
static struct db db;

struct run {
	char	out[65536];
	int	status;
	json_t	*json;		/* the output parsed, when --json */
};

static void
setup(void)
{
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
}

static void
teardown(void)
{
	itest_db_close(&cfg, &db);
}

TestSuite(storage, .init = setup, .fini = teardown);

/* A project of its own for a test: "st-<what>-<pid>", made. */
static void
project(char out[64], const char *what)
{
	snprintf(out, 64, "st-%s-%ld", what, (long)getpid());
	itest_project_make(out);
}

/* `imagegen storage ARGS` with the stack's database and storage. */
static void
cli(struct run *r, const char *fmt, ...)
{
	char args[512], cmd[2048];
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "env DATABASE_URL='%s' STORAGE_DIR='%s' "
	    "'%s' -e /dev/null storage %s 2>&1", getenv("IMAGEGEN_TEST_DB"),
	    itest_var("storage"), getenv("IMAGEGEN_BIN"), args);
	cr_assert_not_null(f = popen(cmd, "r"), "%s", cmd);
	n = fread(r->out, 1, sizeof(r->out) - 1, f);
	r->out[n] = '\0';
	r->status = WEXITSTATUS(pclose(f));
	r->json = json_loads(r->out, 0, NULL);
}

static void
run_fini(struct run *r)
{
	json_decref(r->json);
	r->json = NULL;
}

static json_int_t
num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A synchronous generation by gemini in project p of prompt (NULL: a
 * short one), extra members added; the answer in r (200). */
static void
generate(struct itest_res *r, const char *p, const char *prompt,
    const char *extra)
{
	char body[8192];

	snprintf(body, sizeof(body), "{\"prompt\":\"%s\",\"provider\":"
	    "\"gemini\",\"project_id\":\"%s\"%s}", prompt ? prompt :
	    "a lighthouse at dusk", p, extra ? extra : "");
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
	cr_assert_eq(r->status, 200, "%s", r->body);
}

/* The file of image i of answer r, absolute. */
static const char *
image_file(const struct itest_res *r, size_t i)
{
	static char path[4096];
	const char *url = json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "images"), i), "local_url"));

	cr_assert_not_null(url, "%s", r->body);
	snprintf(path, sizeof(path), "%s", itest_var(url + 1));
	return path;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Sets a file's times hours ago. */
static void
age(const char *path, int hours)
{
	struct timeval tv[2];

	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= hours * 3600;
	tv[1] = tv[0];
	cr_assert_eq(lutimes(path, tv), 0, "%s", path);
}

static void
put(const char *path)
{
	FILE *f;

	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs("not an image", f);
	fclose(f);
}

/* The usage row of project p in run r. */
static json_t *
usage_of(const struct run *r, const char *p)
{
	json_t *row;
	size_t i;

	json_array_foreach(json_object_get(r->json, "projects"), i, row)
		if (strcmp(json_string_value(json_object_get(row,
		    "project_id")), p) == 0)
			return row;
	return NULL;
}

Test(storage, usage_counts_rows_and_files_of_real_generations,
    .timeout = 90)
{
	struct itest_res a, b;
	struct run r;
	json_t *row;
	json_int_t bytes = 0;
	char p[64];
	size_t i;

	project(p, "use");
	generate(&a, p, NULL, NULL);
	generate(&b, p, NULL, ",\"num_images\":2");
	for (i = 0; i < 2; i++)
		bytes += num(json_array_get(json_object_get(b.json, "images"),
		    i), "bytes");
	bytes += num(json_array_get(json_object_get(a.json, "images"), 0),
	    "bytes");
	cli(&r, "usage --project %s --json", p);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_not_null(row = usage_of(&r, p), "%s", r.out);
	cr_expect_eq(num(row, "rows"), 3, "%s", r.out);
	cr_expect_eq(num(row, "files"), 3, "%s", r.out);
	cr_expect_eq(num(row, "row_bytes"), bytes, "%s", r.out);
	cr_expect_eq(num(row, "file_bytes"), bytes, "%s", r.out);
	cr_expect_eq(num(json_object_get(r.json, "total"), "files"), 3);
	run_fini(&r);
	/* every project, and the table */
	cli(&r, "usage --json");
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_not_null(row = usage_of(&r, p), "%s", r.out);
	cr_expect_geq(num(json_object_get(r.json, "total"), "rows"), 3);
	run_fini(&r);
	cli(&r, "usage --project %s", p);
	cr_expect(strstr(r.out, "ROW BYTES") && strstr(r.out, p), "%s", r.out);
	run_fini(&r);
	cli(&r, "usage --project ../etc");
	cr_expect_eq(r.status, 2, "%s", r.out);
	run_fini(&r);
	itest_res_fini(&a);
	itest_res_fini(&b);
}

/* The orphans answer lists path under key (member "path" or
 * "local_path"). */
static bool
listed(const struct run *r, const char *key, const char *path)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(r->json, key), i, e) {
		const char *s = json_string_value(json_object_get(e, "path"));

		if (s == NULL)
			s = json_string_value(json_object_get(e, "local_path"));
		if (s != NULL && strcmp(s, path) == 0)
			return true;
	}
	return false;
}

Test(storage, orphans_finds_a_planted_file_and_a_row_without_its_file,
    .timeout = 90)
{
	struct itest_res a;
	struct run r;
	char p[64], planted[4096], young[4096], rel[256], gone[256];
	const char *f;

	project(p, "orph");
	generate(&a, p, NULL, ",\"num_images\":2");
	cli(&r, "orphans --project %s --json", p);
	cr_expect_eq(r.status, 0, "a clean project: %s", r.out);
	run_fini(&r);
	/* a file nobody names (old), one just written (a job in flight) */
	snprintf(rel, sizeof(rel), "images/%s/gemini/"
	    "00000000-0000-4000-8000-00000000abcd.png", p);
	snprintf(planted, sizeof(planted), "%s", itest_var("storage"));
	snprintf(planted + strlen(planted), sizeof(planted) - strlen(planted),
	    "/%s", rel);
	put(planted);
	age(planted, 2);
	snprintf(young, sizeof(young), "%s.young.png", planted);
	put(young);
	/* a row whose file was deleted */
	f = image_file(&a, 1);
	snprintf(gone, sizeof(gone), "%s", strstr(f, "images/"));
	cr_assert_eq(unlink(f), 0, "%s", f);
	cli(&r, "orphans --project %s --json", p);
	cr_expect_eq(r.status, 1, "%s", r.out);
	cr_expect(listed(&r, "files", rel), "%s", r.out);
	cr_expect_eq(json_array_size(json_object_get(r.json, "files")), 1,
	    "the young file counts: %s", r.out);
	cr_expect_eq(num(r.json, "young"), 1, "%s", r.out);
	cr_expect(listed(&r, "rows_missing", gone), "%s", r.out);
	cr_expect_eq(json_array_size(json_object_get(r.json,
	    "rows_missing")), 1, "%s", r.out);
	run_fini(&r);
	cli(&r, "orphans --project %s", p);
	cr_expect(strstr(r.out, rel) && strstr(r.out, gone) &&
	    strstr(r.out, "row-missing"), "%s", r.out);
	run_fini(&r);
	itest_res_fini(&a);
}

/* A prune's answer r: exit status, rows, files removed and refused. */
static void
expect_prune(const struct run *r, int status, long rows, long removed,
    long refused)
{
	cr_expect_eq(r->status, status, "exit: %s", r->out);
	cr_expect_eq(num(r->json, "rows"), rows, "rows: %s", r->out);
	cr_expect_eq(num(r->json, "files_removed"), removed, "removed: %s",
	    r->out);
	cr_expect_eq(num(r->json, "files_refused"), refused, "refused: %s",
	    r->out);
}

/* Makes the images of job id look made days ago. */
static void
backdate(const char *id, int days)
{
	char q[256];

	snprintf(q, sizeof(q), "UPDATE images SET created_at = now() - "
	    "interval '%d days' WHERE job_id = '%s'", days, id);
	itest_sql(&db, q);
}

static long
rows_of(const char *id)
{
	PGresult *res = NULL;
	long n;

	cr_assert_eq(db_exec(&db, "SELECT count(*) FROM images WHERE job_id "
	    "= $1::uuid", 1, (const char *const[]){ id }, &res), ERR_OK);
	n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

Test(storage, prune_removes_old_rows_and_files_only, .timeout = 120)
{
	struct itest_res old, fresh, other;
	char p[64], q[64], fo[4096], ff[4096], fx[4096], path[128];
	const char *old_id;
	struct run r;

	project(p, "prune");
	project(q, "keep");
	generate(&old, p, NULL, NULL);
	generate(&fresh, p, NULL, NULL);
	generate(&other, q, NULL, NULL);
	old_id = itest_str(&old, "generation_id");
	snprintf(fo, sizeof(fo), "%s", image_file(&old, 0));
	snprintf(ff, sizeof(ff), "%s", image_file(&fresh, 0));
	snprintf(fx, sizeof(fx), "%s", image_file(&other, 0));
	backdate(old_id, 40);
	backdate(itest_str(&other, "generation_id"), 40);
	cli(&r, "prune --older-than 30d --project %s --dry-run --json", p);
	expect_prune(&r, 0, 1, 1, 0);
	cr_expect(exists(fo) && rows_of(old_id) == 1, "a dry run removed");
	run_fini(&r);
	cli(&r, "prune --older-than 30d --project %s --json", p);
	expect_prune(&r, 0, 1, 1, 0);
	cr_expect_not(exists(fo), "the old file stays");
	cr_expect_eq(rows_of(old_id), 0, "the old row stays");
	cr_expect(exists(ff), "a newer file went");
	cr_expect(exists(fx), "another project's file went");
	cr_expect_eq(rows_of(itest_str(&other, "generation_id")), 1);
	run_fini(&r);
	snprintf(path, sizeof(path), "/unified/jobs/%s", old_id);
	itest_res_fini(&old);
	itest_get(&old, path);
	cr_expect_eq(json_array_size(json_object_get(old.json, "images")), 0);
	cr_expect_not_null(itest_str(&old, "images_deleted_at"), "%s",
	    old.body);
	cli(&r, "prune --older-than 30x");
	cr_expect_eq(r.status, 2, "%s", r.out);
	run_fini(&r);
	itest_res_fini(&old);
	itest_res_fini(&fresh);
	itest_res_fini(&other);
}

/* A finished job of project p with one image row at rel, made 40 days
 * ago. */
static void
crafted_row(const char *p, const char *rel)
{
	const char *params[2] = { p, rel };

	cr_assert_eq(db_exec(&db, "WITH j AS (INSERT INTO generation_jobs "
	    "(project_id, prompt_original, status, provider) VALUES ($1, "
	    "'crafted', 'completed', 'gemini') RETURNING id) INSERT INTO "
	    "images (job_id, project_id, provider, local_path, width, height, "
	    "format, bytes, sha256, created_at) SELECT id, $1, 'gemini', $2, "
	    "1, 1, 'png', 12, repeat('0', 64), now() - interval '40 days' "
	    "FROM j", 2, params, NULL), ERR_OK, "%s", rel);
}

Test(storage, prune_never_leaves_the_root, .timeout = 60)
{
	char p[64], secret[4096], dir[3072], link[4096], rel[3][256];
	struct run r;
	size_t i;

	project(p, "esc");
	/* var/test/secret-<pid>.png: outside the root var/test/storage */
	snprintf(secret, sizeof(secret), "%s", itest_var(""));
	snprintf(secret + strlen(secret), sizeof(secret) - strlen(secret),
	    "secret-%ld.png", (long)getpid());
	put(secret);
	snprintf(dir, sizeof(dir), "%s/images", itest_var("storage"));
	mkdir(itest_var("storage"), 0755);
	mkdir(dir, 0755);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", p);
	cr_assert_eq(mkdir(dir, 0755), 0, "%s", dir);
	/* images/p/evil -> var/test; images/p/link.png -> the secret */
	snprintf(link, sizeof(link), "%s/evil", dir);
	cr_assert_eq(symlink(itest_var(""), link), 0);
	snprintf(link, sizeof(link), "%s/link.png", dir);
	cr_assert_eq(symlink(secret, link), 0);
	snprintf(rel[0], sizeof(rel[0]), "../secret-%ld.png", (long)getpid());
	snprintf(rel[1], sizeof(rel[1]), "images/%s/evil/secret-%ld.png", p,
	    (long)getpid());
	snprintf(rel[2], sizeof(rel[2]), "images/%s/link.png", p);
	for (i = 0; i < 3; i++)
		crafted_row(p, rel[i]);
	crafted_row(p, "../../something");
	cli(&r, "orphans --project %s --json", p);
	cr_expect_eq(json_array_size(json_object_get(r.json,
	    "rows_refused")), 4, "%s", r.out);
	run_fini(&r);
	cli(&r, "prune --older-than 1d --project %s --json", p);
	expect_prune(&r, 1, 4, 0, 4);
	cr_expect(exists(secret), "a file outside the root was removed");
	cr_expect(exists(link), "the link was removed");
	run_fini(&r);
	unlink(secret);
}

Test(storage, delete_of_a_finished_job_removes_its_files, .timeout = 90)
{
	struct itest_res g, d, s;
	char p[64], path[128], url[512], file[4096];
	int i;

	project(p, "del");
	generate(&g, p, NULL, NULL);
	snprintf(url, sizeof(url), "%s", json_string_value(json_object_get(
	    json_array_get(json_object_get(g.json, "images"), 0),
	    "local_url")));
	snprintf(file, sizeof(file), "%s", image_file(&g, 0));
	itest_get(&s, url);
	cr_assert_eq(s.status, 200, "%s before DELETE", url);
	itest_res_fini(&s);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&g,
	    "generation_id"));
	itest_call(&d, "DELETE", path, NULL, NULL, 0);
	cr_assert_eq(d.status, 200, "%s", d.body);
	cr_expect_str_eq(itest_str(&d, "status"), "completed", "%s", d.body);
	cr_expect_eq(num(json_object_get(d.json, "deleted"), "images"), 1,
	    "%s", d.body);
	cr_expect_eq(num(json_object_get(d.json, "deleted"), "files_removed"),
	    1, "%s", d.body);
	cr_expect_eq(json_array_size(json_object_get(d.json, "images")), 0);
	cr_expect_not(exists(file), "%s is still there", file);
	itest_res_fini(&d);
	/* nginx revalidates its open file cache every second */
	for (i = 0; i < 50; i++) {
		itest_get(&s, url);
		if (s.status == 404)
			break;
		itest_res_fini(&s);
		usleep(100000);
	}
	cr_expect_eq(s.status, 404, "%s after DELETE: %ld", url, s.status);
	itest_res_fini(&s);
	/* again: nothing left to remove, still 200 */
	itest_call(&d, "DELETE", path, NULL, NULL, 0);
	cr_expect_eq(d.status, 200, "%s", d.body);
	cr_expect_eq(num(json_object_get(d.json, "deleted"), "images"), 0,
	    "%s", d.body);
	itest_res_fini(&d);
	itest_res_fini(&g);
}

/* Expected integer members of a stats object. */
struct want {
	const char	*key;
	json_int_t	 n;
};

static void
expect_members(const json_t *o, const struct want *w, size_t n,
    const char *body)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_expect_eq(num(o, w[i].key), w[i].n, "%s: %s", w[i].key,
		    body);
}

/* The stats of project p over the last hour (200). */
static void
stats(struct itest_res *r, const char *p)
{
	char path[128];

	snprintf(path, sizeof(path), "/unified/stats?window=1h&project_id=%s",
	    p);
	itest_get(r, path);
	cr_assert_eq(r->status, 200, "%s", r->body);
}

Test(storage, stats_count_requests_and_attempts_apart, .timeout = 90)
{
	struct itest_res g, r;
	json_t *row;
	json_int_t attempts = 0, requests = 0;
	char p[64];
	size_t i;

	project(p, "stat");
	/* gemini answers text only: no_image, the next provider makes it */
	generate(&g, p, NULL, NULL);
	itest_res_fini(&g);
	/* one 500: gemini tried twice for one request */
	itest_fault("gemini", "{\"status\":500,\"count\":1}");
	generate(&g, p, NULL, NULL);
	itest_fault("gemini", "");
	cr_assert_eq(json_array_size(itest_attempts(&g)), 2, "%s", g.body);
	itest_res_fini(&g);
	/* a 500, then text only: gemini tried twice, then the fallback */
	itest_fault("gemini", "{\"status\":500,\"count\":1}");
	generate(&g, p, "TEXTONLY a lighthouse", NULL);
	itest_fault("gemini", "");
	cr_assert_eq(json_array_size(itest_attempts(&g)), 3, "%s", g.body);
	itest_res_fini(&g);
	stats(&r, p);
	expect_members(json_object_get(r.json, "totals"), (const struct want[])
	    { { "requests", 3 }, { "attempts", 6 }, { "fallbacks", 1 },
	    { "completed", 3 } }, 4, r.body);
	json_array_foreach(json_object_get(r.json, "providers"), i, row) {
		attempts += num(row, "attempts");
		requests += num(row, "requests");
		if (strcmp(json_string_value(json_object_get(row, "provider")),
		    "gemini") == 0) {
			/* fallbacks: jobs another provider completed after
			 * gemini failed them, not gemini's failed tries */
			expect_members(row, (const struct want[]){
			    { "requests", 3 }, { "attempts", 5 },
			    { "succeeded", 2 }, { "fallbacks", 1 } }, 4, r.body);
		}
	}
	cr_expect_eq(attempts, 6, "%s", r.body);
	cr_expect_eq(requests, 4, "one job counts for each provider it tried");
	cr_expect_eq(num(json_object_get(r.json, "storage"), "images"), 3,
	    "%s", r.body);
	cr_expect_str_eq(itest_str(&r, "storage.project_id"), p);
	itest_res_fini(&r);
}

/* A prompt of about 3,600 characters (over PROMPT_OPTIMIZE_ABOVE). */
static void
long_prompt(char *buf, size_t len)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < 60; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "A red fox in "
		    "snow, watercolor, golden hour, 85mm, bokeh, detailed %zu. ",
		    i);
}

/* The sum over jobs of original_length - optimized_length. */
static json_int_t
saved_of(const struct itest_res *g)
{
	const json_t *v = json_object_get(json_object_get(g->json,
	    "metadata"), "prompt_validation");

	return num(v, "original_length") - num(v, "optimized_length");
}

/* The row of provider p in stats r has the characters saved of those
 * of jobs g and h it served. */
static void
expect_provider_saved(const struct itest_res *r, const char *p,
    const struct itest_res *g, const struct itest_res *h)
{
	const json_t *rows = json_object_get(r->json, "providers"), *row;
	json_int_t want = 0, n = 0;
	size_t i;

	cr_assert_not_null(p);
	if (strcmp(itest_str(g, "provider"), p) == 0)
		want += saved_of(g), n++;
	if (strcmp(itest_str(h, "provider"), p) == 0)
		want += saved_of(h), n++;
	json_array_foreach(rows, i, row)
		if (strcmp(json_string_value(json_object_get(row, "provider")),
		    p) == 0) {
			cr_expect_eq(num(row, "optimized"), n, "%s", r->body);
			cr_expect_eq(num(row, "characters_saved"), want, "%s",
			    r->body);
			return;
		}
	cr_assert_fail("no row of %s: %s", p, r->body);
}

Test(storage, stats_show_what_optimization_saved, .timeout = 90)
{
	struct itest_res g, h, r;
	char p[64], prompt[4800];
	const json_t *o;

	project(p, "opt");
	long_prompt(prompt, sizeof(prompt));
	generate(&g, p, prompt, NULL);
	cr_assert_str_eq(itest_str(&g, "metadata.prompt_validation.method"),
	    "ollama", "%s", g.body);
	itest_fault("ollama", "{\"status\":500,\"path\":\"/api/generate\"}");
	generate(&h, p, prompt, NULL);
	itest_fault("ollama", "");
	cr_assert_str_eq(itest_str(&h, "metadata.prompt_validation.method"),
	    "local", "%s", h.body);
	stats(&r, p);
	o = json_object_get(r.json, "optimization");
	expect_members(o, (const struct want[]){ { "prompts", 2 },
	    { "optimized", 2 }, { "ollama", 1 }, { "local", 1 } }, 4, r.body);
	cr_expect_gt(num(o, "characters_saved"), 0, "%s", r.body);
	cr_expect_eq(num(o, "characters_saved"), saved_of(&g) + saved_of(&h),
	    "%s", r.body);
	cr_expect_eq(json_real_value(json_object_get(o, "ollama_share")), 0.5,
	    "%s", r.body);
	cr_expect_eq(num(json_object_get(o, "fallback_reasons"),
	    "ollama_unreachable"), 1, "%s", r.body);
	/* Per provider: the prompts of the jobs it served. */
	expect_provider_saved(&r, itest_str(&g, "provider"), &g, &h);
	expect_provider_saved(&r, itest_str(&h, "provider"), &g, &h);
	itest_res_fini(&r);
	itest_res_fini(&g);
	itest_res_fini(&h);
}
