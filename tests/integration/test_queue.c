/*
 * tests/integration/test_queue.c - generations as queued jobs, through
 * nginx: Prefer: respond-async (202 + Location), Prefer: wait=N (504 +
 * Location, the job still ends), DELETE cancels, Idempotency-Key replays
 * without a second provider call, /health answers while slow jobs run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static const char *const async_h[] = { "Content-Type: application/json",
    "Prefer: respond-async", NULL };

TestSuite(queue, .init = itest_faults_clear, .fini = itest_faults_clear);

/* Polls GET path until its "status" is final; the last answer in r. */
static void
until_final(struct itest_res *r, const char *path)
{
	const char *st;
	int i;

	for (i = 0; i < 200; i++) {
		itest_get(r, path);
		st = itest_str(r, "status");
		if (st && (strcmp(st, "completed") == 0 || strcmp(st,
		    "failed") == 0 || strcmp(st, "cancelled") == 0))
			return;
		itest_res_fini(r);
		usleep(100000);
	}
	cr_assert_fail("%s never ended", path);
}

Test(queue, respond_async_answers_202_with_location, .timeout = 60)
{
	struct itest_res r, j;
	char *loc, *pa;

	itest_call(&r, "POST", "/unified/generate", async_h, "{\"prompt\":"
	    "\"a paper boat\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "status"), "queued", "%s", r.body);
	loc = itest_header(&r, "Location");
	pa = itest_header(&r, "Preference-Applied");
	cr_assert_not_null(loc, "%s", r.headers);
	cr_assert_not_null(pa, "%s", r.headers);
	cr_assert_str_eq(pa, "respond-async");
	cr_assert(strstr(loc, itest_str(&r, "generation_id")) != NULL, "%s",
	    loc);
	until_final(&j, loc);
	cr_assert_str_eq(itest_str(&j, "status"), "completed", "%s", j.body);
	cr_assert_eq(json_array_size(json_object_get(j.json, "images")), 1);
	itest_res_fini(&j);
	itest_res_fini(&r);
	free(loc);
	free(pa);
}

/* Prefer: wait=1 on a 1.8 s generation (the test stack's provider
 * time-out is 2 s): 504 with the job id and Location; the job goes on
 * and completes. */
Test(queue, bounded_wait_ends_in_504_and_the_job_completes, .timeout = 60)
{
	static const char *const wait_h[] = { "Content-Type: "
	    "application/json", "Prefer: wait=1", NULL };
	struct itest_res r, j;
	char *loc, *pa;

	itest_fault("gemini", "{\"latency_ms\":1800}");
	itest_call(&r, "POST", "/unified/generate", wait_h, "{\"prompt\":"
	    "\"a slow snail\",\"provider\":\"gemini\",\"fallback\":false}",
	    (size_t)-1);
	cr_assert_eq(r.status, 504, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "timeout");
	pa = itest_header(&r, "Preference-Applied");
	cr_assert_not_null(pa, "%s", r.headers);
	cr_assert_str_eq(pa, "wait=1");
	free(pa);
	loc = itest_header(&r, "Location");
	cr_assert_not_null(loc, "%s", r.headers);
	cr_assert(strstr(loc, itest_str(&r, "error.generation_id")) != NULL);
	until_final(&j, loc);
	cr_assert_str_eq(itest_str(&j, "status"), "completed", "%s", j.body);
	itest_res_fini(&j);
	itest_res_fini(&r);
	free(loc);
}

/* DELETE stops a running job: its waiting client gets 409 cancelled,
 * the job says cancelled, and a second DELETE (of a finished job: its
 * images go, none here) is 200 with nothing deleted. */
Test(queue, delete_cancels_a_running_job, .timeout = 60)
{
	struct itest_res r, d, j;
	char path[128];
	int i;

	itest_fault("gemini", "{\"latency_ms\":1800}");
	itest_call(&r, "POST", "/unified/generate", async_h, "{\"prompt\":"
	    "\"a long wait\",\"provider\":\"gemini\",\"fallback\":false}",
	    (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "generation_id"));
	/* Polls (bounded) until the sandbox has its call: it runs. */
	for (i = 0; i < 200 && itest_sandbox_in_flight("gemini") < 1; i++)
		usleep(10000);
	cr_assert_eq(itest_sandbox_in_flight("gemini"), 1);
	itest_call(&d, "DELETE", path, NULL, NULL, 0);
	cr_assert_eq(d.status, 200, "%s", d.body);
	cr_assert_str_eq(itest_str(&d, "status"), "cancelled", "%s", d.body);
	itest_res_fini(&d);
	itest_get(&j, path);
	cr_assert_str_eq(itest_str(&j, "status"), "cancelled", "%s", j.body);
	itest_res_fini(&j);
	itest_call(&d, "DELETE", path, NULL, NULL, 0);
	cr_assert_eq(d.status, 200, "%s", d.body);
	cr_assert_str_eq(itest_str(&d, "status"), "cancelled");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    d.json, "deleted"), "images")), 0, "%s", d.body);
	itest_res_fini(&d);
	itest_call(&d, "DELETE", "/unified/jobs/00000000-0000-4000-8000-"
	    "000000000000", NULL, NULL, 0);
	cr_assert_eq(d.status, 404, "%s", d.body);
	itest_res_fini(&d);
	itest_res_fini(&r);
}

/* The same Idempotency-Key and body: the same job, one provider call;
 * the same key with another body: 422. */
Test(queue, idempotency_key_replays_the_job, .timeout = 60)
{
	char key[96], idk[128];
	const char *const h[] = { "Content-Type: application/json", idk,
	    NULL };
	const char *body = "{\"prompt\":\"one paid image\",\"provider\":"
	    "\"gemini\",\"fallback\":false}";
	struct itest_res a, b, c;
	char *replayed;

	snprintf(key, sizeof(key), "test-%ld-%d", (long)time(NULL), getpid());
	snprintf(idk, sizeof(idk), "Idempotency-Key: %s", key);
	itest_sandbox_forget("gemini");
	itest_call(&a, "POST", "/unified/generate", h, body, (size_t)-1);
	cr_assert_eq(a.status, 200, "%s", a.body);
	itest_call(&b, "POST", "/unified/generate", h, body, (size_t)-1);
	cr_assert_eq(b.status, 200, "%s", b.body);
	cr_assert_str_eq(itest_str(&a, "generation_id"), itest_str(&b,
	    "generation_id"));
	replayed = itest_header(&b, "Idempotent-Replayed");
	cr_assert_not_null(replayed, "%s", b.headers);
	free(replayed);
	cr_assert_eq(itest_sandbox_count("gemini", "POST", "/v1beta"), 1,
	    "one provider call for two requests");
	itest_call(&c, "POST", "/unified/generate", h, "{\"prompt\":\"another "
	    "image\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(c.status, 422, "%s", c.body);
	cr_assert_str_eq(itest_str(&c, "error.code"), "idempotency_key_reused");
	itest_res_fini(&a);
	itest_res_fini(&b);
	itest_res_fini(&c);
}

/* 16 generations at 1.8 s per call (create + download: 3.6 s) hold no
 * worker and no other job: /health, a validation and a fast generation
 * answer while all of them still run (checked by their state, not by a
 * clock). */
Test(queue, health_answers_while_slow_jobs_run, .timeout = 90)
{
	struct itest_res r, h, j;
	char ids[16][64], path[128];
	int i, running = 0;

	itest_fault("runware", "{\"latency_ms\":1800}");
	for (i = 0; i < 16; i++) {
		itest_call(&r, "POST", "/unified/generate", async_h,
		    "{\"prompt\":\"a slow tide\",\"provider\":\"runware_ai\","
		    "\"fallback\":false}", (size_t)-1);
		cr_assert_eq(r.status, 202, "%s", r.body);
		snprintf(ids[i], sizeof(ids[i]), "%s", itest_str(&r,
		    "generation_id"));
		itest_res_fini(&r);
	}
	itest_get(&h, "/health");
	cr_assert_eq(h.status, 200, "%s", h.body);
	itest_res_fini(&h);
	itest_call(&r, "POST", "/unified/validate-prompt", json_h,
	    "{\"prompt\":\"a quick check\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a quick one\",\"provider\":\"gemini\"}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	itest_res_fini(&r);
	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/unified/jobs/%s", ids[i]);
		itest_get(&j, path);
		running += strcmp(itest_str(&j, "status"), "completed") != 0;
		itest_res_fini(&j);
	}
	cr_assert_eq(running, 16, "health, validation and the fast job came "
	    "first");
	for (i = 0; i < 16; i++) {
		snprintf(path, sizeof(path), "/unified/jobs/%s", ids[i]);
		until_final(&j, path);
		cr_assert_str_eq(itest_str(&j, "status"), "completed");
		itest_res_fini(&j);
	}
}
