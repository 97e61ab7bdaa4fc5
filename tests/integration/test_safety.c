/*
 * tests/integration/test_safety.c - issue 11 ("safe to put on a
 * network") through nginx: error bodies survive invalid UTF-8, batch
 * items never vanish, a large header set is sent whole, a provider's
 * Retry-After is capped, and nothing from inside (provider bodies,
 * hosts, ports, paths, base URLs) reaches a client.
 * Not here: the parsers' own cases (tests/unit/), jobs queries
 * (test_jobs_api.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(safety, .init = itest_faults_clear, .fini = itest_faults_clear);

/* {"prompt":"x","éé...é":1}: the "unknown field" message naming that key
 * is cut by its buffer inside a character. */
static char *
body_with_long_key(void)
{
	char key[701], *body;
	size_t i;

	for (i = 0; i < 350; i++)
		memcpy(key + 2 * i, "\xc3\xa9", 2);
	key[700] = '\0';
	if (asprintf(&body, "{\"prompt\":\"a fox\",\"%s\":1}", key) < 0)
		return NULL;
	return body;
}

Test(safety, invalid_utf8_in_a_path_keeps_the_error_body)
{
	struct itest_res r;

	itest_get(&r, "/unified/%FF%FE");
	itest_assert_error(&r, 404, "not_found");
	itest_res_fini(&r);
}

Test(safety, message_cut_inside_a_character_keeps_the_error_body)
{
	struct itest_res r;
	char *body = body_with_long_key();

	itest_call(&r, "POST", "/unified/generate", json_h, body, (size_t)-1);
	itest_assert_error(&r, 422, "invalid_field");
	itest_res_fini(&r);
	free(body);
}

Test(safety, batch_item_with_a_bad_message_is_kept)
{
	struct itest_res r;
	char *bad = body_with_long_key(), *body;
	json_t *items, *it;

	cr_assert(asprintf(&body, "{\"requests\":[{\"prompt\":\"a fox\"},%s,"
	    "{\"prompt\":\"an owl\"}]}", bad) > 0);
	itest_call(&r, "POST", "/unified/generate/batch?dry_run=1", json_h,
	    body, (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	items = json_object_get(r.json, "items");
	cr_assert_eq(json_array_size(items), 3, "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(r.json, "count")), 3);
	it = json_array_get(items, 1);
	cr_assert_eq(json_integer_value(json_object_get(it, "index")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(it,
	    "error"), "code")), "invalid_field", "%s", r.body);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(items,
	    2), "index")), 2);
	itest_res_fini(&r);
	free(body);
	free(bad);
}

/* The allowed origin of 4400+ characters (tests/run-integration.sh) is
 * echoed in Access-Control-Allow-Origin: the header block passes 4 KiB,
 * where the worker cut it without its blank line (nginx: 502). */
Test(safety, header_set_over_4_kib_is_sent_whole)
{
	char origin[4500], h[4600], *v;
	const char *hv[2] = { h, NULL };
	struct itest_res r;

	snprintf(origin, sizeof(origin), "https://%4400s.example", "");
	for (v = origin + 8; *v == ' '; v++)
		*v = 'a';
	snprintf(h, sizeof(h), "Origin: %s", origin);
	itest_call(&r, "GET", "/health", hv, NULL, 0);
	cr_assert_eq(r.status, 200, "%ld %.300s", r.status, r.body);
	cr_assert_not_null(r.json, "%s", r.body);
	v = itest_header(&r, "Access-Control-Allow-Origin");
	cr_assert_not_null(v, "%.500s", r.headers);
	cr_assert_str_eq(v, origin);
	free(v);
	v = itest_header(&r, "Content-Type");
	cr_assert_str_eq(v, "application/json");
	free(v);
	itest_res_fini(&r);
}

/* A provider's Retry-After of 100000 s went to the client as is; it is
 * capped at RETRY_AFTER_CAP_S (2 in tests/run-integration.sh) in the
 * header, in the error body and in the stored job. */
Test(safety, provider_retry_after_is_capped, .timeout = 60)
{
	struct itest_res r, j;
	char *ra, path[128];
	const char *id;

	itest_fault("comfyui", "{\"status\":429,\"retry_after\":100000}");
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a fox\",\"provider\":\"comfyui\",\"fallback\":false}",
	    (size_t)-1);
	itest_assert_error(&r, 429, "rate_limited");
	ra = itest_header(&r, "Retry-After");
	cr_assert_not_null(ra, "%s", r.headers);
	cr_assert(atol(ra) >= 1 && atol(ra) <= 2, "Retry-After: %s", ra);
	free(ra);
	cr_assert_leq(json_integer_value(json_object_get(json_object_get(
	    r.json, "error"), "retry_after")), 2, "%s", r.body);
	cr_assert_not_null(id = itest_str(&r, "error.generation_id"));
	snprintf(path, sizeof(path), "/unified/jobs/%s", id);
	itest_get(&j, path);
	cr_assert_eq(j.status, 200, "%s", j.body);
	cr_assert_not_null(strstr(j.body, "retry_after"), "%s", j.body);
	cr_assert_null(strstr(j.body, "100000"), "%s", j.body);
	itest_res_fini(&j);
	itest_res_fini(&r);
}

/* What came from inside: the sandbox's error text, its host and port,
 * its URLs, storage paths. */
static void
assert_nothing_inside(const char *what, const char *body)
{
	static const char *const inside[] = { "injected fault", "127.0.0.1",
	    "localhost", "http://", "https://", "/var/", "/storage/images",
	    ":181", NULL };
	size_t i;

	for (i = 0; inside[i] != NULL; i++)
		cr_assert_null(strstr(body, inside[i]), "%s shows \"%s\": %s",
		    what, inside[i], body);
}

/* The provider's error body and address went to the client and into the
 * job's error and attempts; the codes stay. */
Test(safety, provider_failure_shows_codes_not_what_it_said, .timeout = 60)
{
	struct itest_res r, j;
	char path[128];
	json_t *a;

	itest_fault("gemini", "{\"status\":500}");
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a fox\",\"provider\":\"gemini\",\"fallback\":false}",
	    (size_t)-1);
	itest_assert_error(&r, 503, "provider_unavailable");
	a = json_object_get(json_object_get(r.json, "error"), "attempts");
	cr_assert_eq(json_array_size(a), 3, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a,
	    0), "outcome")), "provider_unavailable");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(a, 0),
	    "http_status")), 500, "%s", r.body);
	assert_nothing_inside("the answer", r.body);
	snprintf(path, sizeof(path), "/unified/jobs/%s",
	    itest_str(&r, "error.generation_id"));
	itest_get(&j, path);
	cr_assert_eq(j.status, 200, "%s", j.body);
	assert_nothing_inside("the job", j.body);
	itest_res_fini(&j);
	itest_res_fini(&r);
}

/* base_url (COMFYUI_URL with its credentials) and the health call's
 * error text were public. */
Test(safety, providers_list_shows_no_addresses, .timeout = 30)
{
	struct itest_res r;
	json_t *p;
	size_t i;

	itest_fault("comfyui", "{\"status\":503}");
	itest_get(&r, "/unified/providers?fresh=1");
	cr_assert_eq(r.status, 200, "%s", r.body);
	assert_nothing_inside("/unified/providers", r.body);
	json_array_foreach(json_object_get(r.json, "providers"), i, p) {
		cr_assert_null(json_object_get(p, "base_url"), "%s", r.body);
		cr_assert(json_is_boolean(json_object_get(p, "local")), "%s",
		    r.body);
		if (strcmp(json_string_value(json_object_get(p, "name")),
		    "comfyui") == 0)
			cr_assert_str_eq(json_string_value(json_object_get(
			    json_object_get(p, "reachable"), "error")),
			    "provider_unavailable", "%s", r.body);
	}
	itest_res_fini(&r);
}

Test(safety, prompt_validator_health_shows_no_address, .timeout = 30)
{
	struct itest_res r;

	itest_get(&r, "/unified/prompt-validator/health");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_null(json_object_get(json_object_get(r.json, "ollama"),
	    "url"), "%s", r.body);
	cr_assert(json_is_true(json_object_get(json_object_get(r.json,
	    "ollama"), "configured")), "%s", r.body);
	assert_nothing_inside("the validator health", r.body);
	itest_res_fini(&r);
	itest_fault("ollama", "{\"status\":500}");
	itest_get(&r, "/unified/prompt-validator/health");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "status"), "degraded", "%s", r.body);
	assert_nothing_inside("the validator health", r.body);
	itest_res_fini(&r);
}

/* Ollama's 404 body ("model '...' not found") went to the client as the
 * fallback_detail of a shortened prompt, and into the prompt job. */
Test(safety, prompt_fallback_shows_no_ollama_body, .timeout = 30)
{
	static const char unit[] = "A red fox in snow, watercolor, golden "
	    "hour, 85mm, bokeh, highly detailed. The fox waits by the river. ";
	struct itest_res r;
	char *body = malloc(sizeof(unit) * 60 + 32);
	size_t i, o;

	o = (size_t)sprintf(body, "{\"prompt\":\"");
	for (i = 0; i < 60; i++)
		o += (size_t)sprintf(body + o, "%s", unit);
	sprintf(body + o, "\"}");
	itest_fault("ollama", "{\"missing_model\":true,\"path\":"
	    "\"/api/generate\"}");
	itest_call(&r, "POST", "/unified/validate-prompt", json_h, body,
	    (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    r.json, "optimized"), "fallback_reason")), "model_missing", "%s",
	    r.body);
	cr_assert_null(strstr(r.body, "not found"), "%s", r.body);
	assert_nothing_inside("the validation", r.body);
	itest_res_fini(&r);
	free(body);
}

/* A failed webhook try stored curl's text ("Failed to connect to
 * 127.0.0.1 port 1 ...": the address the URL resolved to) in the job
 * view; now the code. */
Test(safety, webhook_failure_shows_a_code, .timeout = 60)
{
	static const char *const async_h[] = { "Content-Type: "
	    "application/json", "Prefer: respond-async", NULL };
	struct itest_res r, j;
	char path[128];
	json_t *d = NULL;
	int i;

	itest_call(&r, "POST", "/unified/generate", async_h, "{\"prompt\":"
	    "\"a pigeon\",\"provider\":\"gemini\",\"webhook_url\":"
	    "\"http://127.0.0.1:1/hook\"}", (size_t)-1);
	cr_assert_eq(r.status, 202, "%s", r.body);
	snprintf(path, sizeof(path), "/unified/jobs/%s", itest_str(&r,
	    "generation_id"));
	for (i = 0; i < 200 && d == NULL; i++) {
		itest_get(&j, path);
		d = json_incref(json_array_get(json_object_get(json_object_get(
		    j.json, "webhook"), "deliveries"), 0));
		itest_res_fini(&j);
		if (d == NULL)
			usleep(100000);		/* poll: the job runs */
	}
	cr_assert_not_null(d, "no delivery was tried");
	cr_assert_str_eq(json_string_value(json_object_get(d, "error")),
	    "provider_unavailable");
	json_decref(d);
	itest_res_fini(&r);
}
