/*
 * tests/integration/test_http.c - the real stack over HTTP: health,
 * JSON errors (404, 405, 413 from the app and from nginx), request ids,
 * CORS, /storage/ served by nginx with the right headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "lib/core/uuid.h"
#include "tests/helpers/itest.h"

static char *
hdr(const struct itest_res *r, const char *name)
{
	char *v = itest_header(r, name);

	cr_assert_not_null(v, "no %s header in:\n%s", name, r->headers);
	return v;
}

Test(http, health_is_200_with_every_field)
{
	struct itest_res r;
	json_t *db;
	char *ct;

	itest_get(&r, "/health");
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "status"), "ok");
	cr_assert_str_eq(itest_str(&r, "version"), "0.1.0");
	cr_assert(json_is_integer(json_object_get(r.json, "uptime_s")));
	cr_assert(json_integer_value(json_object_get(r.json, "worker_pid")) > 1);
	db = json_object_get(r.json, "database");
	cr_assert(json_is_true(json_object_get(db, "ok")));
	cr_assert(json_is_number(json_object_get(db, "latency_ms")));
	ct = hdr(&r, "Content-Type");
	cr_assert_str_eq(ct, "application/json");
	free(ct);
	ct = hdr(&r, "X-Content-Type-Options");
	cr_assert_str_eq(ct, "nosniff");
	free(ct);
	itest_res_fini(&r);
}

Test(http, unknown_route_is_json_404)
{
	struct itest_res r;

	itest_get(&r, "/no/such/thing");
	itest_assert_error(&r, 404, "not_found");
	itest_res_fini(&r);
}

Test(http, wrong_method_is_json_405_with_allow)
{
	struct itest_res r;
	char *allow;

	itest_call(&r, "PUT", "/health", NULL, "{}", (size_t)-1);
	itest_assert_error(&r, 405, "method_not_allowed");
	allow = hdr(&r, "Allow");
	cr_assert_str_eq(allow, "GET, HEAD, OPTIONS");
	free(allow);
	itest_res_fini(&r);
}

Test(http, body_over_app_cap_is_json_413)
{
	struct itest_res r;
	size_t n = 100 * 1024;
	char *big = malloc(n);

	memset(big, 'a', n);
	itest_call(&r, "POST", "/health", NULL, big, n);
	itest_assert_error(&r, 413, "payload_too_large");
	itest_res_fini(&r);
	free(big);
}

Test(http, body_over_nginx_cap_is_json_413_too)
{
	struct itest_res r;
	size_t n = 3 * 1024 * 1024;
	char *big = malloc(n);

	memset(big, 'a', n);
	itest_call(&r, "POST", "/health", NULL, big, n);
	itest_assert_error(&r, 413, "payload_too_large");
	itest_res_fini(&r);
	free(big);
}

Test(http, request_id_is_echoed)
{
	static const char *const h[] = { "X-Request-Id: trace-42.a:b", NULL };
	struct itest_res r;
	char *id;

	itest_call(&r, "GET", "/health", h, NULL, 0);
	id = hdr(&r, "X-Request-Id");
	cr_assert_str_eq(id, "trace-42.a:b");
	free(id);
	itest_res_fini(&r);
	itest_get(&r, "/health");
	id = hdr(&r, "X-Request-Id");
	cr_assert(uuid_check(id), "generated id %s", id);
	free(id);
	itest_res_fini(&r);
}

Test(http, malformed_request_id_is_json_400)
{
	static const char *const h[] = { "X-Request-Id: has spaces/and;semis",
	    NULL };
	struct itest_res r;

	itest_call(&r, "GET", "/health", h, NULL, 0);
	itest_assert_error(&r, 400, "invalid_request_id");
	itest_res_fini(&r);
}

Test(http, cors_preflight_and_simple_requests)
{
	static const char *const ok[] = { "Origin: https://app.example",
	    "Access-Control-Request-Method: GET",
	    "Access-Control-Request-Headers: content-type", NULL };
	static const char *const bad[] = { "Origin: https://evil.example",
	    "Access-Control-Request-Method: GET", NULL };
	static const char *const simple[] = { "Origin: http://localhost:3000",
	    NULL };
	struct itest_res r;
	char *v;

	itest_call(&r, "OPTIONS", "/health", ok, NULL, 0);
	cr_assert_eq(r.status, 204, "%s", r.body);
	v = hdr(&r, "Access-Control-Allow-Origin");
	cr_assert_str_eq(v, "https://app.example");
	free(v);
	v = hdr(&r, "Access-Control-Allow-Methods");
	cr_assert(strstr(v, "GET") != NULL);
	free(v);
	itest_res_fini(&r);

	itest_call(&r, "OPTIONS", "/health", bad, NULL, 0);
	itest_assert_error(&r, 403, "origin_not_allowed");
	cr_assert_null(itest_header(&r, "Access-Control-Allow-Origin"));
	itest_res_fini(&r);

	itest_call(&r, "GET", "/health", simple, NULL, 0);
	cr_assert_eq(r.status, 200);
	v = hdr(&r, "Access-Control-Allow-Origin");
	cr_assert_str_eq(v, "http://localhost:3000");
	free(v);
	itest_res_fini(&r);
}

/* The smallest valid PNG (1x1), written where nginx serves /storage/. */
static const unsigned char png1x1[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
	0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
	0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49,
	0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

static void
put_file(const char *rel, const void *data, size_t n)
{
	char dir[4096];
	FILE *f;

	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"",
	    itest_var(rel));
	cr_assert_eq(system(dir), 0);
	cr_assert_not_null(f = fopen(itest_var(rel), "wb"));
	fwrite(data, 1, n, f);
	fclose(f);
}

Test(http, storage_files_have_type_and_cache_headers)
{
	static const char *const files[][2] = {
		{ "storage/images/itest/p/a.png", "image/png" },
		{ "storage/images/itest/p/b.jpg", "image/jpeg" },
		{ "storage/images/itest/p/c.webp", "image/webp" },
	};
	struct itest_res r;
	char path[256], *v;
	size_t i;

	for (i = 0; i < 3; i++) {
		put_file(files[i][0], png1x1, sizeof(png1x1));
		snprintf(path, sizeof(path), "/%s", files[i][0]);
		itest_get(&r, path);
		cr_assert_eq(r.status, 200, "%s: %ld", path, r.status);
		cr_assert_eq(r.len, sizeof(png1x1));
		v = hdr(&r, "Content-Type");
		cr_assert_str_eq(v, files[i][1]);
		free(v);
		v = hdr(&r, "Cache-Control");
		cr_assert(strstr(v, "immutable") != NULL, "%s", v);
		free(v);
		v = hdr(&r, "X-Content-Type-Options");
		cr_assert_str_eq(v, "nosniff");
		free(v);
		itest_res_fini(&r);
	}
}

Test(http, storage_is_read_only_and_unlisted)
{
	struct itest_res r;

	put_file("storage/images/itest/q/a.png", png1x1, sizeof(png1x1));
	itest_call(&r, "POST", "/storage/images/itest/q/a.png", NULL, "x", 1);
	cr_assert_eq(r.status, 403);
	itest_res_fini(&r);
	itest_get(&r, "/storage/images/itest/q/");
	cr_assert(r.status == 403 || r.status == 404, "%ld", r.status);
	itest_res_fini(&r);
	itest_get(&r, "/storage/images/itest/q/missing.png");
	cr_assert_eq(r.status, 404);
	itest_res_fini(&r);
}

/* Paths that climb out of /storage/ reach nginx as written (libcurl
 * would squash "/../"): above the root nginx itself answers 400; inside
 * it the path is resolved first (so no longer /storage/); a canary file
 * beside the storage directory is never served. */
Test(http, storage_paths_never_climb_out)
{
	static const char canary[] = "itest-canary-7f3e9b";
	static const struct { const char *path; long status; } v[] = {
		{ "/storage/../../leak-canary.txt", 400 },
		{ "/storage/images/../../../leak-canary.txt", 400 },
		{ "/storage/%2e%2e/%2e%2e/leak-canary.txt", 400 },
		{ "/storage/%2E%2E/%2e./.%2e/leak-canary.txt", 400 },
		{ "/storage/..%2f..%2fleak-canary.txt", 400 },
		{ "/storage/../leak-canary.txt", 404 },
		{ "/storage/%2e%2e/leak-canary.txt", 404 },
		{ "/storage../leak-canary.txt", 404 },
	};
	struct itest_res r;
	size_t i;

	put_file("leak-canary.txt", canary, sizeof(canary) - 1);
	put_file("storage/images/itest/q/a.png", png1x1, sizeof(png1x1));
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		itest_get_raw(&r, v[i].path);
		cr_expect_eq(r.status, v[i].status, "%s: %ld %s", v[i].path,
		    r.status, r.body);
		cr_expect(strstr(r.body, canary) == NULL, "%s leaked it",
		    v[i].path);
		itest_res_fini(&r);
	}
}
