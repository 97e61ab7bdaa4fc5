/*
 * tests/integration/test_generate_db.c - a generation while PostgreSQL is
 * down still answers with its images and a warning; the job record is
 * spooled to disk and appears in /unified/jobs once the database is back;
 * while a provider call is in flight the row says "running".
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
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

/* The newest job of a project: its status, or "" (static buffer). */
static const char *
newest_status(const char *project)
{
	static char status[32];
	struct itest_res r;
	char path[128];

	snprintf(path, sizeof(path), "/unified/jobs?project_id=%s&limit=1",
	    project);
	itest_get(&r, path);
	snprintf(status, sizeof(status), "%s", json_string_value(
	    json_object_get(json_array_get(json_object_get(r.json, "items"),
	    0), "status")) ? json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "items"), 0), "status")) : "");
	itest_res_fini(&r);
	return status;
}

Test(generate_db, the_row_says_running_while_the_call_is_in_flight,
    .timeout = 60)
{
	struct itest_res r;
	pid_t child;
	int st, i;
	const char *s = "";

	itest_fault("gemini", "{\"latency_ms\":1000}");
	if ((child = fork()) == 0) {
		itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
		    "\"a slow kettle\",\"provider\":\"gemini\",\"fallback\":"
		    "false,\"project_id\":\"running-row\"}", (size_t)-1);
		if (r.status != 200)
			fprintf(stderr, "child: %ld %s\n", r.status, r.body);
		_exit(r.status == 200 ? 0 : 1);
	}
	for (i = 0; i < 9 && strcmp(s, "running") != 0; i++) {
		usleep(50000);
		s = newest_status("running-row");
	}
	cr_assert_str_eq(s, "running", "the row while Gemini thinks");
	cr_assert_eq(waitpid(child, &st, 0), child);
	itest_fault("gemini", "");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_str_eq(newest_status("running-row"), "completed");
}
