/*
 * tests/integration/test_db_jobs.c - lib/db/jobs.c and spool.c against
 * the test stack's PostgreSQL: save (insert, then update with images in
 * one transaction), get, list with filters and keyset pages, stats,
 * spool and replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/spool.h"
#include "tests/helpers/itest.h"

static struct config cfg;
static struct log lg;
static struct db db;
static char project[40];

static void
setup(void)
{
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	snprintf(project, sizeof(project), "t-%ld-%ld", (long)getpid(),
	    (long)random() % 100000);
}

static void
teardown(void)
{
	itest_db_close(&cfg, &db);
}

TestSuite(db_jobs, .init = setup, .fini = teardown);

static json_t *
job_new(const char *status, const char *provider)
{
	char id[UUID_STRLEN + 1];

	uuid_make(id);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{},s:{s:i},"
	    "s:[{s:s,s:s,s:f}],s:f}", "id", id, "project_id", project,
	    "status", status, "requested_provider", "auto", "provider",
	    provider, "prompt_original", "a fox", "prompt_meta", "params",
	    "num_images", 1, "attempts", "provider", provider, "outcome", "ok",
	    "ms", 120.5, "optimize_ms", 0.25);
}

Test(db_jobs, insert_update_with_images_then_get)
{
	json_t *job = job_new("running", "gemini"), *got = NULL, *imgs;
	char img[UUID_STRLEN + 1];
	const char *id = json_string_value(json_object_get(job, "id"));

	cr_assert_eq(db_jobs_save(&db, job), ERR_OK);
	uuid_make(img);
	json_object_set_new(job, "status", json_string("completed"));
	json_object_set_new(job, "generate_ms", json_real(321.5));
	json_object_set_new(job, "completed_at",
	    json_string("2026-11-24T15:00:00Z"));
	json_object_set_new(job, "images", json_pack("[{s:s,s:s,s:s,s:i,s:i,"
	    "s:s,s:i,s:s}]", "id", img, "provider", "gemini", "local_path",
	    "images/x/gemini/a.png", "width", 64, "height", 48, "format",
	    "png", "bytes", 1234, "sha256",
	    "0000000000000000000000000000000000000000000000000000000000000000"));
	cr_assert_eq(db_jobs_save(&db, job), ERR_OK);
	cr_assert_eq(db_jobs_save(&db, job), ERR_OK, "saving twice is fine");
	cr_assert_eq(db_jobs_get(&db, id, &got), ERR_OK);
	cr_assert_str_eq(json_string_value(json_object_get(got, "status")),
	    "completed");
	cr_assert_eq(json_real_value(json_object_get(got, "generate_ms")),
	    321.5);
	imgs = json_object_get(got, "images");
	cr_assert_eq(json_array_size(imgs), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(imgs,
	    0), "width")), 64);
	cr_assert_not_null(json_string_value(json_object_get(got,
	    "completed_at")));
	json_decref(got);
	json_decref(job);
}

Test(db_jobs, missing_job_is_not_found_and_bad_record_refused)
{
	json_t *got = NULL, *bad = json_pack("{s:s}", "status", "pending");

	cr_assert_eq(db_jobs_get(&db, "0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b",
	    &got), ERR_NOT_FOUND);
	cr_assert_eq(db_jobs_save(&db, bad), ERR_INVALID_FIELD);
	json_decref(bad);
}

Test(db_jobs, list_filters_and_keyset_pages)
{
	struct db_jobs_query q = { .project_id = project, .limit = 2 };
	char next[DB_CURSOR_MAX], seen[5][40];
	json_t *items = NULL, *j;
	int i, n = 0;
	size_t k;

	for (i = 0; i < 5; i++) {
		j = job_new(i % 2 ? "failed" : "completed",
		    i < 3 ? "gemini" : "comfyui");
		cr_assert_eq(db_jobs_save(&db, j), ERR_OK);
		json_decref(j);
	}
	do {
		cr_assert_eq(db_jobs_list(&db, &q, &items, next), ERR_OK);
		json_array_foreach(items, k, j) {
			cr_assert_lt(n, 5);
			snprintf(seen[n++], 40, "%s", json_string_value(
			    json_object_get(j, "id")));
		}
		json_decref(items);
		q.cursor = next[0] ? strdup(next) : NULL;
	} while (q.cursor != NULL);
	cr_assert_eq(n, 5, "every job exactly once over the pages");
	for (i = 0; i < 5; i++)
		for (k = i + 1; k < 5; k++)
			cr_assert_str_neq(seen[i], seen[k]);
	q.provider = "comfyui";
	q.limit = 10;
	cr_assert_eq(db_jobs_list(&db, &q, &items, next), ERR_OK);
	cr_assert_eq(json_array_size(items), 2);
	json_decref(items);
	q.provider = NULL;
	q.status = "failed";
	cr_assert_eq(db_jobs_list(&db, &q, &items, next), ERR_OK);
	cr_assert_eq(json_array_size(items), 2);
	json_decref(items);
	q.cursor = "garbage";
	cr_assert_eq(db_jobs_list(&db, &q, &items, next), ERR_BAD_QUERY);
}

Test(db_jobs, stats_per_provider)
{
	json_t *out = NULL, *row;
	char prov[64];
	size_t i;
	int found = 0;

	snprintf(prov, sizeof(prov), "stats_%s", project);
	for (i = 0; i < 2; i++) {
		json_t *j = job_new("completed", prov);

		cr_assert_eq(db_jobs_save(&db, j), ERR_OK);
		json_decref(j);
	}
	cr_assert_eq(db_jobs_stats(&db, "2000-01-01T00:00:00Z", NULL, &out),
	    ERR_OK);
	json_array_foreach(json_object_get(out, "providers"), i, row)
		if (strcmp(json_string_value(json_object_get(row, "provider")),
		    prov) == 0) {
			found = 1;
			cr_assert_eq(json_integer_value(json_object_get(row,
			    "requests")), 2);
			cr_assert_eq(json_number_value(json_object_get(row,
			    "p50_generation_ms")), 120.5);
		}
	cr_assert(found);
	json_decref(out);
}

Test(db_jobs, spool_then_replay)
{
	char dir[] = "/tmp/imagegen-spool-XXXXXX";
	json_t *job = job_new("completed", "gemini"), *got = NULL;
	const char *id = json_string_value(json_object_get(job, "id"));
	struct spool_tally n;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(spool_write(dir, 1 << 20, job), ERR_OK);
	cr_assert_eq(spool_count(dir), 1);
	cr_assert_eq(db_jobs_get(&db, id, &got), ERR_NOT_FOUND);
	cr_assert_eq(spool_replay(&db, dir, 10, 3, &n), ERR_OK);
	cr_assert_eq(n.replayed, 1);
	cr_assert_eq(spool_count(dir), 0);
	cr_assert_eq(db_jobs_get(&db, id, &got), ERR_OK);
	json_decref(got);
	json_decref(job);
	rmdir(dir);
}
