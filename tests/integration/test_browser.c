/*
 * tests/integration/test_browser.c - what a hostile web page can make a
 * browser do, through nginx: requests from a disallowed Origin refused on
 * every method (not only hidden from the page), bodies that a form could
 * send (no or another Content-Type) refused, a foreign Host (DNS
 * rebinding) closed without an answer, and nginx's own per-address
 * request limit.
 * Not here: client keys (test_auth.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <curl/curl.h>

#include "tests/helpers/itest.h"

static const struct csrf_case {
	const char	*name;
	const char	*method, *path, *body;
	const char	*headers[4];
	long		 status;
	const char	*code;
} cases[] = {
	{ "foreign origin reads", "GET", "/unified/jobs", NULL,
	    { "Origin: https://evil.example", NULL }, 403,
	    "origin_not_allowed" },
	{ "foreign origin generates", "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", { "Origin: https://evil.example",
	    "Content-Type: application/json", NULL }, 403,
	    "origin_not_allowed" },
	{ "foreign origin cancels", "DELETE",
	    "/unified/jobs/00000000-0000-4000-8000-000000000000", NULL,
	    { "Origin: https://evil.example", NULL }, 403,
	    "origin_not_allowed" },
	{ "null origin", "GET", "/unified/stats", NULL,
	    { "Origin: null", NULL }, 403, "origin_not_allowed" },
	{ "allowed origin", "GET", "/unified/jobs?limit=1", NULL,
	    { "Origin: https://app.example", NULL }, 200, NULL },
	{ "same origin", "GET", "/unified/jobs?limit=1", NULL,
	    { "Origin: http://127.0.0.1:8013", NULL }, 200, NULL },
	{ "same host, another port", "GET", "/unified/jobs?limit=1", NULL,
	    { "Origin: http://127.0.0.1:1", NULL }, 403,
	    "origin_not_allowed" },
	{ "no Content-Type", "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", { "Content-Type:", NULL }, 415,
	    "unsupported_media_type" },
	{ "form Content-Type", "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", { "Content-Type: text/plain", NULL },
	    415, "unsupported_media_type" },
	{ "urlencoded Content-Type", "POST", "/unified/validate-prompt",
	    "{\"prompt\":\"a cat\"}",
	    { "Content-Type: application/x-www-form-urlencoded", NULL }, 415,
	    "unsupported_media_type" },
	{ "a longer media type", "POST", "/unified/generate",
	    "{\"prompt\":\"a cat\"}", { "Content-Type: application/jsonx",
	    NULL }, 415, "unsupported_media_type" },
	{ "json with charset", "POST", "/unified/generate?dry_run=1",
	    "{\"prompt\":\"a cat\"}",
	    { "Content-Type: application/json; charset=utf-8", NULL }, 200,
	    NULL },
};

Test(browser, cross_site_requests, .timeout = 60)
{
	char same[64];
	struct itest_res r;
	size_t i;

	/* "same origin" is this stack's own address, whatever its port */
	snprintf(same, sizeof(same), "Origin: %s", itest_base());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct csrf_case *c = &cases[i];
		const char *h[4] = { c->headers[0], c->headers[1],
		    c->headers[2], NULL };

		if (strcmp(c->name, "same origin") == 0)
			h[0] = same;
		itest_call(&r, c->method, c->path, h, c->body,
		    c->body ? (size_t)-1 : 0);
		itest_expect_answer(&r, c->status, c->code, c->name);
		itest_res_fini(&r);
	}
	printf("csrf cases: %zu\n", sizeof(cases) / sizeof(cases[0]));
}

/* A page whose name was rebound to 127.0.0.1 sends its own Host. */
Test(browser, foreign_host_is_closed, .timeout = 30)
{
	static const char *const evil[] = { "Host: evil.example", NULL };
	static const char *const local[] = { "Host: localhost", NULL };
	struct itest_res r;

	itest_call(&r, "GET", "/unified/jobs", evil, NULL, 0);
	cr_expect_eq(r.status, 0, "a foreign Host got HTTP %ld", r.status);
	cr_expect_eq(r.curl_err, CURLE_GOT_NOTHING, "curl said %d",
	    r.curl_err);
	itest_res_fini(&r);
	itest_call(&r, "GET", "/health", local, NULL, 0);
	cr_expect_eq(r.status, 200, "localhost is a name of ours");
	itest_res_fini(&r);
}

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* From an address other than 127.0.0.1 (127.0.0.2 is loopback too, but
 * nginx counts it), a burst past limit_req's gets 429 in JSON. */
Test(browser, nginx_limits_one_address, .timeout = 60)
{
	char url[128], body[512] = "";
	CURL *c = curl_easy_init();
	long status, n429 = 0, n200 = 0;
	FILE *f;
	int i;

	snprintf(url, sizeof(url), "%s/health?cached=1", itest_base());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_INTERFACE, "127.0.0.2");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	for (i = 0; i < 400 && n429 == 0; i++) {
		cr_assert_eq(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		n200 += status == 200;
		n429 += status == 429;
	}
	cr_expect_gt(n200, 0);
	cr_expect_gt(n429, 0, "400 requests at once, none limited");
	/* the refusal is our JSON, with Retry-After */
	f = fmemopen(body, sizeof(body) - 1, "w");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, NULL);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	fclose(f);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	cr_expect_eq(status, 429);
	cr_expect_not_null(strstr(body, "\"code\":\"rate_limited\""), "%s",
	    body);
	curl_easy_cleanup(c);
}
