/*
 * tests/integration/test_generate_db.c - the queue is the database: while
 * PostgreSQL is down a new generation is refused at once (503 + Retry-
 * After, nothing half-queued); jobs already in flight at the runner when
 * it goes down still end (their records are spooled) and reach the
 * database once it is back, each exactly once; while a provider call is
 * in flight the row says "running".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static const char *const async_h[] = { "Content-Type: application/json",
    "Prefer: respond-async", NULL };

Test(generate_db, no_database_no_new_job, .timeout = 120)
{
	struct itest_res r;
	char *ra;

	cr_assert_eq(itest_stack("pg-stop"), 0);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a harbour at night\",\"provider\":\"gemini\"}", (size_t)-1);
	itest_stack("pg-start");
	cr_assert_eq(r.status, 503, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "database_unavailable");
	ra = itest_header(&r, "Retry-After");
	cr_assert_not_null(ra, "%s", r.headers);
	free(ra);
	itest_res_fini(&r);
}

/* Whether job id's record is in the spool (SPOOL_DIR, var/test/spool). */
static int
spooled(const char *id)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "spool/%s.json", id);
	return access(itest_var(rel), F_OK) == 0;
}

/* PostgreSQL restarts while jobs are in flight: every job ends, its
 * record is written once (spooled meanwhile), none is run twice. */
Test(generate_db, jobs_in_flight_survive_a_database_restart, .timeout = 120)
{
	struct itest_res r;
	char ids[4][64], path[128];
	int i, k, done = 0;

	itest_sandbox_forget("gemini");
	itest_fault("gemini", "{\"latency_ms\":1500}");
	for (k = 0; k < 4; k++) {
		itest_call(&r, "POST", "/unified/generate", async_h,
		    "{\"prompt\":\"a harbour at night\",\"provider\":"
		    "\"gemini\",\"fallback\":false}", (size_t)-1);
		cr_assert_eq(r.status, 202, "%s", r.body);
		snprintf(ids[k], sizeof(ids[k]), "%s", itest_str(&r,
		    "generation_id"));
		itest_res_fini(&r);
	}
	/* The runner has them in flight (the sandbox serves all four). */
	for (i = 0; i < 200 && itest_sandbox_in_flight("gemini") < 4; i++)
		usleep(25000);
	cr_assert_eq(itest_sandbox_in_flight("gemini"), 4);
	cr_assert_eq(itest_stack("pg-stop"), 0);
	/* They end while it is down: each record lands in the spool. */
	for (i = done = 0; i < 200 && done < 4; i++, usleep(50000))
		for (k = done = 0; k < 4; k++)
			done += spooled(ids[k]);
	cr_assert_eq(itest_stack("pg-start"), 0);
	cr_assert_eq(done, 4, "every record spooled while the database was "
	    "down");
	done = 0;
	itest_fault("gemini", "");
	for (i = 0; i < 60 && done < 4; i++, usleep(500000))
		for (k = done = 0; k < 4; k++) {
			snprintf(path, sizeof(path), "/unified/jobs/%s", ids[k]);
			itest_get(&r, path);
			done += r.status == 200 && strcmp(itest_str(&r,
			    "status"), "completed") == 0;
			itest_res_fini(&r);
		}
	cr_assert_eq(done, 4, "every job in flight ends completed");
	cr_assert_eq(itest_sandbox_count("gemini", "POST", "/"), 4,
	    "one provider call per job: none was run twice");
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

	itest_project_make("running-row");
	itest_fault("gemini", "{\"latency_ms\":1000}");
	if ((child = fork()) == 0) {
		itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
		    "\"a slow kettle\",\"provider\":\"gemini\",\"fallback\":"
		    "false,\"project_id\":\"running-row\"}", (size_t)-1);
		if (r.status != 200)
			fprintf(stderr, "child: %ld %s\n", r.status, r.body);
		_exit(r.status == 200 ? 0 : 1);
	}
	/* Once the sandbox has the call, the row says running; the call is
	 * still in flight after the row was read (1 s latency). */
	for (i = 0; i < 200 && itest_sandbox_in_flight("gemini") < 1; i++)
		usleep(10000);
	cr_assert_eq(itest_sandbox_in_flight("gemini"), 1);
	s = newest_status("running-row");
	cr_assert_eq(itest_sandbox_in_flight("gemini"), 1, "the call ended "
	    "before the row was read");
	cr_assert_str_eq(s, "running", "the row while Gemini thinks");
	cr_assert_eq(waitpid(child, &st, 0), child);
	itest_fault("gemini", "");
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	cr_assert_str_eq(newest_status("running-row"), "completed");
}
