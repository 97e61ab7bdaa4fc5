/*
 * tests/faults/test_spool.c - the spool written back into the test
 * database: a record that does not parse and one the database refuses
 * (SPOOL_REPLAY_TRIES times) are set aside in poison/ and counted, and
 * neither holds up the good records behind them.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/spool.h"
#include "tests/helpers/itest.h"

static json_t *
job_new(const char *id)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:{},s:{s:i},s:[]}", "id",
	    id, "project_id", "spool-test", "status", "completed",
	    "requested_provider", "auto", "provider", "gemini",
	    "prompt_original", "a fox", "prompt_meta", "params",
	    "num_images", 1, "attempts");
}

Test(spool_replay, poison_is_set_aside_and_the_rest_written, .timeout = 60)
{
	char dir[] = "/tmp/imagegen-spool-XXXXXX", path[128], good[3][40];
	struct spool_tally t, sum = { 0, 0, 0 };
	struct spool_stat st;
	struct config cfg;
	struct log lg;
	struct db db;
	json_t *j, *got = NULL;
	FILE *f;
	int i;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	cr_assert_not_null(mkdtemp(dir));
	/* The database refuses this one: its id is no UUID. */
	j = job_new("not-a-uuid");
	cr_assert_eq(spool_write(dir, 1 << 20, j), ERR_OK);
	json_decref(j);
	snprintf(path, sizeof(path), "%s/torn.json", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("{\"id\":\"torn", f);
	fclose(f);
	for (i = 0; i < 3; i++) {
		uuid_make(good[i]);
		j = job_new(good[i]);
		cr_assert_eq(spool_write(dir, 1 << 20, j), ERR_OK);
		json_decref(j);
	}
	/* Ticks of the runner, as many as it takes (3 tries). */
	for (i = 0; i < 10 && spool_count(dir) > 0; i++) {
		cr_assert_eq(spool_replay(&db, dir, 50, 3, &t), ERR_OK);
		sum.replayed += t.replayed;
		sum.retried += t.retried;
		sum.poisoned += t.poisoned;
	}
	cr_assert_eq(spool_count(dir), 0, "the spool emptied");
	cr_assert_eq(sum.replayed, 3);
	cr_assert_eq(sum.poisoned, 2);
	cr_assert_geq(sum.retried, 2, "the refused one was tried again");
	spool_stat(dir, &st);
	cr_assert_eq(st.poison, 2);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(db_jobs_get(&db, good[i], &got), ERR_OK);
		json_decref(got);
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	(void)system(path);
	itest_db_close(&cfg, &db);
}
