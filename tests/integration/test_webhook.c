/*
 * tests/integration/test_webhook.c - webhooks through nginx: a job with a
 * webhook_url is POSTed there once it ends, signed per Standard Webhooks;
 * a receiver that is down gets the delivery again until it is up (every
 * try recorded in the job); the signature is checked by the reference
 * verifier (the standardwebhooks npm package, unmodified: tests/node);
 * internal addresses and URLs that are not http(s) are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const async_h[] = { "Content-Type: application/json",
    "Prefer: respond-async", NULL };
static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(webhook, .init = itest_faults_clear, .fini = itest_faults_clear);

/* The last request the runware sandbox got on /hook, or NULL. */
static json_t *
last_hook(void)
{
	json_t *log = itest_sandbox_requests("runware"), *e, *hit = NULL;
	size_t i;

	json_array_foreach(log, i, e)
		if (strncmp(json_string_value(json_object_get(e, "path")),
		    "/hook", 5) == 0)
			hit = e;
	json_incref(hit);
	json_decref(log);
	return hit;
}

/* node verify.mjs over {secret, headers, body}: its exit status. */
static int
verify(const json_t *hook)
{
	char path[] = "/tmp/imagegen-hook-XXXXXX", cmd[512];
	json_t *h = json_object_get(hook, "headers"), *f;
	int fd = mkstemp(path), st;

	cr_assert_geq(fd, 0);
	f = json_pack("{s:s,s:{s:O,s:O,s:O},s:O}", "secret",
	    getenv("WEBHOOK_SECRET"), "headers", "webhook-id",
	    json_object_get(h, "webhook-id"), "webhook-timestamp",
	    json_object_get(h, "webhook-timestamp"), "webhook-signature",
	    json_object_get(h, "webhook-signature"), "body",
	    json_object_get(hook, "raw"));
	cr_assert_eq(json_dumpfd(f, fd, 0), 0);
	close(fd);
	json_decref(f);
	snprintf(cmd, sizeof(cmd), "node '%s/tests/node/verify.mjs' '%s'",
	    getenv("IMAGEGEN_ROOT"), path);
	st = system(cmd);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(webhook, delivered_signed_after_the_receiver_comes_back,
    .timeout = 60)
{
	struct itest_res r, j;
	char body[256], path[128], url[96];
	json_t *hook, *data;
	int i, tries = 0;

	cr_assert_not_null(getenv("WEBHOOK_SECRET"));
	itest_sandbox_forget("runware");
	itest_fault("runware", "{\"status\":503,\"path\":\"/hook\"}");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook/jobs",
	    itest_sandbox_port("runware"));
	snprintf(body, sizeof(body), "{\"prompt\":\"a carrier pigeon\","
	    "\"provider\":\"gemini\",\"webhook_url\":\"%s\"}", url);
	itest_call(&r, "POST", "/unified/generate", async_h, body, (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "generation_id"));
	for (i = 0; i < 100 && tries < 2; i++, usleep(100000)) {
		itest_get(&j, path);
		tries = (int)json_array_size(json_object_get(json_object_get(
		    j.json, "webhook"), "deliveries"));
		itest_res_fini(&j);
	}
	cr_assert_geq(tries, 2, "the receiver was down: tried again");
	itest_fault("runware", "");
	for (i = 0; i < 100; i++, usleep(100000)) {
		itest_get(&j, path);
		if (json_is_true(json_object_get(json_object_get(j.json,
		    "webhook"), "delivered")))
			break;
		itest_res_fini(&j);
	}
	cr_assert(json_is_true(json_object_get(json_object_get(j.json,
	    "webhook"), "delivered")), "%s", j.body);
	itest_res_fini(&j);
	hook = last_hook();
	cr_assert_not_null(hook);
	data = json_loads(json_string_value(json_object_get(hook, "raw")), 0,
	    NULL);
	cr_assert_str_eq(json_string_value(json_object_get(data, "type")),
	    "generation.completed");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    data, "data"), "generation_id")), itest_str(&r, "generation_id"));
	cr_assert_eq(verify(hook), 0, "the reference verifier accepts it");
	json_decref(data);
	json_decref(hook);
	itest_res_fini(&r);
}

Test(webhook, internal_and_odd_urls_are_refused)
{
	static const char *const bad[] = { "http://10.1.2.3/hook",
	    "http://localhost:9/hook", "http://[::1]:9/hook",
	    "http://169.254.169.254/latest/meta-data/", "ftp://example.com/x",
	    "http://user:pw@example.com/hook", NULL };
	struct itest_res r;
	char body[256];
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		snprintf(body, sizeof(body), "{\"prompt\":\"a kite\","
		    "\"webhook_url\":\"%s\"}", bad[i]);
		itest_call(&r, "POST", "/unified/generate", json_h, body,
		    (size_t)-1);
		cr_assert_eq(r.status, 422, "%s: %s", bad[i], r.body);
		cr_assert_str_eq(itest_str(&r, "error.code"), "invalid_field");
		itest_res_fini(&r);
	}
}
