/*
 * tests/faults/test_runner.c - drills of the job queue through nginx:
 * a runner killed (-9) while 50 Leonardo and ComfyUI jobs poll their
 * provider is replaced, and the new one resumes polling them: all 50 end,
 * and the providers saw 50 create calls, not 100; the FastCGI master is
 * reloaded (SIGHUP) and restarted (SIGTERM) while 20 clients wait for
 * their generation: every one of them gets its images; a job queued
 * while no runner runs is told so (503 + Location) and runs once one is
 * back; two runners on one database share a provider's max_concurrent.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/db/db.h"
#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static const char *const async_h[] = { "Content-Type: application/json",
    "Prefer: respond-async", NULL };

TestSuite(runner, .init = itest_faults_clear, .fini = itest_faults_clear);

#define NJOBS	50

static int	ended_of(char ids[][64], int n, int *done);

/* How many of ids[0..n) completed. */
static int
completed_of(char ids[][64], int n)
{
	int done;

	(void)ended_of(ids, n, &done);
	return done;
}

/* Leonardo generations and ComfyUI prompts the sandbox got. */
static size_t
creates(void)
{
	return itest_sandbox_count("leonardo", "POST", "/api/rest/v1/"
	    "generations") + itest_sandbox_count("comfyui", "POST", "/prompt");
}

Test(runner, killed_mid_poll_resumes_without_paying_twice, .timeout = 120)
{
	static char ids[NJOBS][64];
	struct itest_res r;
	char body[160];
	int k, i, done = 0;

	/* One generation each first: a circuit an earlier test left open
	 * would let one trial through and refuse the rest. */
	for (k = 0; k < 2; k++) {
		snprintf(body, sizeof(body), "{\"prompt\":\"a warm-up\","
		    "\"provider\":\"%s\",\"fallback\":false,\"width\":512,"
		    "\"height\":512}", k % 2 ? "comfyui" : "leonardo_ai");
		itest_call(&r, "POST", "/unified/generate", json_h, body,
		    (size_t)-1);
		cr_assert_eq(r.status, 200, "%s", r.body);
		itest_res_fini(&r);
	}
	itest_sandbox_forget("leonardo");
	itest_sandbox_forget("comfyui");
	/* 40 polls at POLL_INTERVAL_MS (100) before each job completes. */
	itest_fault("leonardo", "{\"pending_polls\":40}");
	itest_fault("comfyui", "{\"pending_polls\":40}");
	for (k = 0; k < NJOBS; k++) {
		snprintf(body, sizeof(body), "{\"prompt\":\"a patient heron\","
		    "\"provider\":\"%s\",\"fallback\":false,\"width\":512,"
		    "\"height\":512}", k % 2 ? "comfyui" : "leonardo_ai");
		itest_call(&r, "POST", "/unified/generate", async_h, body,
		    (size_t)-1);
		cr_assert_eq(r.status, 202, "%s", r.body);
		snprintf(ids[k], sizeof(ids[k]), "%s", itest_str(&r,
		    "generation_id"));
		itest_res_fini(&r);
	}
	/* Every job is polling: the sandbox has every create call. */
	for (i = 0; i < 200 && creates() < NJOBS; i++)
		usleep(50000);
	cr_assert_eq(creates(), NJOBS);
	cr_assert_eq(completed_of(ids, NJOBS), 0, "they poll 4 s");
	cr_assert_eq(itest_stack("runner-kill"), 0);
	cr_assert_eq(itest_stack("runner-start"), 0);
	for (i = 0; i < 120 && done < NJOBS; i++, usleep(250000))
		done = completed_of(ids, NJOBS);
	cr_assert_eq(done, NJOBS, "every job ends after the new runner "
	    "takes them over");
	cr_assert_eq(itest_sandbox_count("leonardo", "POST", "/api/rest/v1/"
	    "generations"), NJOBS / 2, "one Leonardo generation per job");
	cr_assert_eq(itest_sandbox_count("comfyui", "POST", "/prompt"),
	    NJOBS / 2, "one ComfyUI prompt per job");
}

/* A client child: one synchronous generation; exits 0 on 200. */
static pid_t
client(void)
{
	struct itest_res r;
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a waiting room\",\"provider\":\"gemini\",\"fallback\":false}",
	    (size_t)-1);
	if (r.status != 200)
		fprintf(stderr, "client: %ld %s\n", r.status, r.body);
	_exit(r.status == 200 ? 0 : 1);
}

Test(runner, master_reload_and_restart_lose_no_waiting_client,
    .timeout = 120)
{
	pid_t kids[20];
	int k, st, ok = 0, i;
	long long seq = itest_sandbox_seq("gemini");

	/* Under the test stack's PROVIDER_TIMEOUT_MS (2 s). */
	itest_fault("gemini", "{\"latency_ms\":1800}");
	for (k = 0; k < 20; k++)
		kids[k] = client();
	/* All 20 wait in nginx: their calls reached the sandbox. */
	for (i = 0; i < 100 && itest_sandbox_seq("gemini") - seq < 20; i++)
		usleep(50000);
	cr_assert_eq(itest_sandbox_seq("gemini") - seq, 20);
	cr_assert_eq(itest_stack("reload"), 0);
	cr_assert_eq(itest_stack("app-stop"), 0);
	cr_assert_eq(itest_stack("app-start"), 0);
	for (k = 0; k < 20; k++)
		ok += waitpid(kids[k], &st, 0) == kids[k] && WIFEXITED(st) &&
		    WEXITSTATUS(st) == 0;
	cr_assert_eq(ok, 20, "every waiting client got its images");
}

/* No runner at all: a synchronous request is still queued and told so
 * (503 + Retry-After + Location, by nginx); the job runs once a runner
 * is back. */
Test(runner, a_job_queued_with_no_runner_runs_when_one_is_back,
    .timeout = 60)
{
	struct itest_res r, j;
	char *loc, *ra;
	int i;

	cr_assert_eq(itest_stack("runner-stop"), 0);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"an empty office\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 503, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "service_unavailable");
	loc = itest_header(&r, "Location");
	ra = itest_header(&r, "Retry-After");
	cr_assert_not_null(loc, "%s", r.headers);
	cr_assert_not_null(ra, "%s", r.headers);
	cr_assert(strstr(loc, itest_str(&r, "error.generation_id")) != NULL);
	itest_get(&j, loc);
	cr_assert_str_eq(itest_str(&j, "status"), "queued", "%s", j.body);
	itest_res_fini(&j);
	cr_assert_eq(itest_stack("runner-start"), 0);
	for (i = 0; i < 100; i++, usleep(100000)) {
		itest_get(&j, loc);
		if (strcmp(itest_str(&j, "status"), "completed") == 0)
			break;
		itest_res_fini(&j);
	}
	cr_assert_str_eq(itest_str(&j, "status"), "completed", "%s", j.body);
	itest_res_fini(&j);
	itest_res_fini(&r);
	free(loc);
	free(ra);
}

/* How many of ids[0..n) ended (any final state); completed in *done. */
static int
ended_of(char ids[][64], int n, int *done)
{
	struct itest_res r;
	char path[128];
	const char *st;
	int k, ended = 0;

	*done = 0;
	for (k = 0; k < n; k++) {
		snprintf(path, sizeof(path), "/unified/jobs/%s", ids[k]);
		itest_get(&r, path);
		st = itest_str(&r, "status") ? itest_str(&r, "status") : "";
		*done += strcmp(st, "completed") == 0;
		ended += strcmp(st, "completed") == 0 || strcmp(st, "failed") ==
		    0 || strcmp(st, "cancelled") == 0;
		itest_res_fini(&r);
	}
	return ended;
}

/* The pid in var/test/run/NAME.pid. */
static pid_t
pid_of(const char *name)
{
	char rel[64];
	FILE *f;
	long pid = 0;

	snprintf(rel, sizeof(rel), "run/%s.pid", name);
	cr_assert_not_null(f = fopen(itest_var(rel), "r"), "%s", rel);
	cr_assert_eq(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	return (pid_t)pid;
}

static void
sql(struct db *db, const char *q)
{
	cr_assert_eq(db_exec(db, q, 0, NULL, NULL), ERR_OK, "%s", q);
}

/* Polls (bounded) until a runner has claimed ids[from..to). */
static void
wait_claimed(struct db *db, char ids[][64], int from, int to)
{
	PGresult *res;
	char q[1024];
	size_t o;
	int i, k, got = 0;

	o = (size_t)snprintf(q, sizeof(q), "SELECT count(*) FROM "
	    "generation_jobs WHERE runner IS NOT NULL AND id::text IN (");
	for (k = from; k < to; k++)
		o += (size_t)snprintf(q + o, sizeof(q) - o, "%s'%s'", k > from ?
		    "," : "", ids[k]);
	snprintf(q + o, sizeof(q) - o, ")");
	for (i = 0; i < 100; i++, usleep(50000)) {
		res = NULL;
		cr_assert_eq(db_exec(db, q, 0, NULL, &res), ERR_OK, "%s", q);
		got = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (got == to - from)
			return;
	}
	cr_assert_fail("%d of %d jobs claimed", got, to - from);
}

/* The state of Gemini's circuit on this host (static buffer). */
static const char *
gemini_circuit(void)
{
	static char state[16];
	struct itest_res r;
	json_t *p;
	size_t i;

	state[0] = '\0';
	itest_get(&r, "/unified/providers");
	json_array_foreach(json_object_get(r.json, "providers"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    "gemini") == 0)
			snprintf(state, sizeof(state), "%s", itest_str(&r,
			    "") ? "" : json_string_value(json_object_get(
			    json_object_get(p, "circuit"), "state")) ?
			    json_string_value(json_object_get(json_object_get(
			    p, "circuit"), "state")) : "");
	itest_res_fini(&r);
	return state;
}

/* count async Gemini jobs, their ids appended to ids[*n]. */
static void
submit(char ids[][64], int *n, int count)
{
	for (; count > 0; count--, (*n)++)
		itest_submit_async("{\"prompt\":\"a shared lane\",\"provider\":"
		    "\"gemini\",\"fallback\":false}", ids[*n]);
}

/* Two runners on one database, each with jobs of a provider capped at
 * max_concurrent = 2: the provider never sees more than 2 calls at once
 * (the sandbox counts them), and both runners did run jobs. */
Test(runner, two_runners_never_exceed_max_concurrent, .timeout = 120)
{
	static char ids[12][64];
	struct config cfg;
	struct log lg;
	struct db db;
	PGresult *res = NULL;
	char q[1024];
	int n = 0, i, done = 0;
	pid_t r1, r2;

	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	sql(&db, "UPDATE provider_configs SET max_concurrent = 2 WHERE "
	    "provider = 'gemini'");
	cr_assert_eq(itest_stack("runner2-start"), 0);
	r1 = pid_of("runner");
	r2 = pid_of("runner2");
	itest_fault("gemini", "{\"latency_ms\":600}");
	(void)itest_sandbox_concurrency("gemini", true);
	/* The first six go to the second runner, the next six to the
	 * first: then both drive Gemini calls at once. */
	kill(r1, SIGSTOP);
	submit(ids, &n, 6);
	wait_claimed(&db, ids, 0, 6);
	kill(r2, SIGSTOP);
	kill(r1, SIGCONT);
	submit(ids, &n, 6);
	wait_claimed(&db, ids, 6, 12);
	kill(r2, SIGCONT);
	for (i = 0; i < 120 && done < n; i++, usleep(250000))
		done = completed_of(ids, n);
	itest_stack("runner2-stop");
	sql(&db, "UPDATE provider_configs SET max_concurrent = NULL");
	cr_assert_eq(done, n, "every job completed");
	cr_assert_leq(itest_sandbox_concurrency("gemini", false), 2,
	    "max_concurrent held across the two runners");
	snprintf(q, sizeof(q), "SELECT count(DISTINCT runner) FROM "
	    "generation_jobs WHERE id IN ('%s','%s')", ids[0], ids[11]);
	cr_assert_eq(db_exec(&db, q, 0, NULL, &res), ERR_OK);
	cr_assert_str_eq(PQgetvalue(res, 0, 0), "2", "both runners ran jobs");
	PQclear(res);
	itest_db_close(&cfg, &db);
}

/* How much of this minute's gemini budget this host (the runner's
 * circuit file) has used, from /unified/providers. */
static int
gemini_used(void)
{
	struct itest_res r;
	json_t *p;
	size_t i;
	int used = -1;

	itest_get(&r, "/unified/providers");
	json_array_foreach(json_object_get(r.json, "providers"), i, p)
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    "gemini") == 0)
			used = (int)json_integer_value(json_object_get(
			    json_object_get(p, "circuit"), "used_this_minute"));
	itest_res_fini(&r);
	cr_assert_geq(used, 0);
	return used;
}

/* Two runners as on two hosts, rate_per_min shared: with 4 calls left
 * this minute, 3 jobs on each runner make 4 calls, not 6. */
Test(runner, two_runners_share_rate_per_min, .timeout = 120)
{
	static char ids[12][64];
	struct config cfg;
	struct log lg;
	struct db db;
	char q[512];
	int n = 0, i, done, ended, u;
	pid_t r1, r2;

	while (time_wall_ms() % 60000 > 40000)	/* no minute boundary */
		usleep(500000);
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	u = gemini_used();
	snprintf(q, sizeof(q), "UPDATE provider_configs SET rate_per_min = %d "
	    "WHERE provider = 'gemini'", u + 4);
	sql(&db, q);
	snprintf(q, sizeof(q), "INSERT INTO provider_rate VALUES ('gemini', "
	    "date_trunc('minute', now()), %d) ON CONFLICT (provider, minute) "
	    "DO UPDATE SET used = EXCLUDED.used", u);
	sql(&db, q);
	cr_assert_eq(itest_stack("runner2-start"), 0);
	r1 = pid_of("runner");
	r2 = pid_of("runner2");
	kill(r1, SIGSTOP);		/* 3 jobs to the second runner */
	submit(ids, &n, 3);
	wait_claimed(&db, ids, 0, 3);
	kill(r2, SIGSTOP);		/* 3 to the first */
	kill(r1, SIGCONT);
	submit(ids, &n, 3);
	wait_claimed(&db, ids, 3, 6);
	kill(r2, SIGCONT);
	for (i = done = ended = 0; i < 120 && ended < n; i++, usleep(250000))
		ended = ended_of(ids, n, &done);
	itest_stack("runner2-stop");
	sql(&db, "UPDATE provider_configs SET rate_per_min = 0");
	itest_db_close(&cfg, &db);
	cr_assert_eq(ended, n, "every job ended");
	cr_assert_eq(done, 4, "4 calls left this minute, for both runners: "
	    "%d completed", done);
}

/* A circuit that one host's runner opened (3 failed Gemini calls) is
 * open on the other host too: its next Gemini job is refused without a
 * call. */
Test(runner, a_circuit_opened_on_one_host_opens_on_the_other,
    .timeout = 120)
{
	static char ids[4][64];
	struct itest_res r;
	struct config cfg;
	struct log lg;
	struct db db;
	int n = 0, i, done = 0;
	pid_t r1, r2;

	setenv("CIRCUIT_COOLDOWN_S", "8", 1);	/* the second runner's */
	cr_assert_eq(itest_stack("runner2-start"), 0);
	setenv("CIRCUIT_COOLDOWN_S", "2", 1);
	r1 = pid_of("runner");
	r2 = pid_of("runner2");
	itest_fault("gemini", "{\"status\":500}");
	kill(r1, SIGSTOP);
	submit(ids, &n, 1);
	for (i = 0; i < 100 && ended_of(ids, n, &done) < n; i++)
		usleep(100000);
	cr_assert_eq(done, 0, "Gemini failed on the second runner");
	kill(r2, SIGSTOP);
	kill(r1, SIGCONT);
	/* The first reads it (every 0.5 s): this host's circuit opens. */
	for (i = 0; i < 100 && strcmp(gemini_circuit(), "open") != 0; i++)
		usleep(50000);
	cr_assert_str_eq(gemini_circuit(), "open");
	itest_fault("gemini", "");
	itest_sandbox_forget("gemini");
	submit(ids, &n, 1);
	for (i = 0; i < 100 && ended_of(ids, n, &done) < n; i++)
		usleep(100000);
	cr_assert_eq(done, 0, "refused: the circuit is open here too");
	cr_assert_eq(itest_sandbox_count("gemini", "POST", "/v1beta"), 0,
	    "no call to Gemini while its circuit is open");
	kill(r2, SIGCONT);
	itest_stack("runner2-stop");
	/* Later tests want Gemini: its circuit closes after the cooldown
	 * with one good call. */
	cr_assert_eq(itest_db_open(&cfg, &lg, &db), ERR_OK);
	sql(&db, "DELETE FROM provider_circuits");
	itest_db_close(&cfg, &db);
	for (i = 0; i < 100; i++, usleep(200000)) {
		itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
		    "\"a reopened door\",\"provider\":\"gemini\",\"fallback\":"
		    "false}", (size_t)-1);
		done = r.status == 200;
		itest_res_fini(&r);
		if (done)
			break;
	}
	cr_assert(done, "Gemini's circuit closed again");
}
