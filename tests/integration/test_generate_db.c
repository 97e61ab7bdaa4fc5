/*
 * tests/integration/test_generate_db.c - a generation while PostgreSQL is
 * down still answers with its images and a warning; the job record is
 * spooled to disk and appears in /unified/jobs once the database is back.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

Test(generate_db, outage_spools_then_replays, .timeout = 120)
{
	struct itest_res r;
	char id[64], path[128];
	const char *w;
	int i;
	long st = 0;

	cr_assert_eq(itest_stack("pg-stop"), 0);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a harbour at night\",\"provider\":\"gemini\"}", (size_t)-1);
	itest_stack("pg-start");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(json_array_size(json_object_get(r.json, "images")), 1);
	w = json_string_value(json_array_get(json_object_get(r.json,
	    "warnings"), 0));
	cr_assert(w && strstr(w, "database unavailable"), "%s", r.body);
	snprintf(id, sizeof(id), "%s", itest_str(&r, "generation_id"));
	itest_res_fini(&r);
	snprintf(path, sizeof(path), "/unified/jobs/%s", id);
	for (i = 0; i < 40 && st != 200; i++) {
		/* Any generation lets its worker replay the spool. */
		itest_call(&r, "POST", "/unified/generate/quick", json_h,
		    "{\"prompt\":\"a lamp\",\"provider\":\"gemini\"}",
		    (size_t)-1);
		itest_res_fini(&r);
		itest_get(&r, path);
		st = r.status;
		if (st == 200) {
			cr_assert_str_eq(itest_str(&r, "status"), "completed");
			cr_assert_eq(json_array_size(json_object_get(r.json,
			    "images")), 1);
		}
		itest_res_fini(&r);
		if (st != 200)
			usleep(500000);
	}
	cr_assert_eq(st, 200, "the spooled job never reached the database");
}
