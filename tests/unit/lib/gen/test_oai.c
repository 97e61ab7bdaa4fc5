/*
 * tests/unit/lib/gen/test_oai.c - OpenAI's images wire format: the
 * request mapped onto a generate body, errors in OpenAI's shape with
 * OpenAI's field names, and a final job as {created, data}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/b64.h"
#include "lib/gen/oai.h"

static json_t *
parse_ok(const char *text, json_t **answer)
{
	json_t *in = json_loads(text, 0, NULL), *gen = NULL;
	char why[256] = "";

	cr_assert_not_null(in);
	cr_assert_eq(oai_request_parse(in, "http://h:1", &gen, answer, why,
	    sizeof(why)), ERR_OK, "%s", why);
	json_decref(in);
	return gen;
}

static enum err
parse_fail(const char *text, char *why, size_t len)
{
	json_t *in = json_loads(text, 0, NULL), *gen = NULL, *answer = NULL;
	enum err e = oai_request_parse(in, "http://h:1", &gen, &answer, why,
	    len);

	cr_assert_null(gen);
	cr_assert_null(answer);
	json_decref(in);
	return e;
}

Test(oai_request, maps_openai_fields_onto_a_generate_body)
{
	json_t *answer = NULL, *gen = parse_ok("{\"model\":\"leonardo\","
	    "\"prompt\":\"a fox\",\"n\":2,\"size\":\"512x768\","
	    "\"response_format\":\"b64_json\",\"quality\":\"hd\","
	    "\"style\":\"vivid\",\"user\":\"u1\"}", &answer);

	cr_assert_str_eq(json_string_value(json_object_get(gen, "provider")),
	    "leonardo_ai");
	cr_assert_str_eq(json_string_value(json_object_get(gen, "prompt")),
	    "a fox");
	cr_assert_eq(json_integer_value(json_object_get(gen, "num_images")), 2);
	cr_assert_eq(json_integer_value(json_object_get(gen, "width")), 512);
	cr_assert_eq(json_integer_value(json_object_get(gen, "height")), 768);
	cr_assert_null(json_object_get(gen, "style"), "vivid has no match");
	cr_assert_str_eq(json_string_value(json_object_get(answer,
	    "response_format")), "b64_json");
	cr_assert_str_eq(json_string_value(json_object_get(answer,
	    "base_url")), "http://h:1");
	json_decref(gen);
	json_decref(answer);
}

Test(oai_request, openai_model_names_and_auto_leave_the_choice_to_us)
{
	const char *models[] = { "dall-e-3", "dall-e-2", "gpt-image-1",
	    "auto" };
	json_t *answer, *gen;
	char text[128];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), "{\"prompt\":\"x\",\"model\":"
		    "\"%s\",\"size\":\"auto\"}", models[i]);
		gen = parse_ok(text, &answer);
		cr_assert_null(json_object_get(gen, "provider"), "%s",
		    models[i]);
		cr_assert_null(json_object_get(gen, "width"));
		cr_assert_str_eq(json_string_value(json_object_get(answer,
		    "response_format")), "url");
		json_decref(gen);
		json_decref(answer);
	}
}

Test(oai_request, refuses_what_openai_would)
{
	char why[256];

	cr_assert_eq(parse_fail("{\"prompt\":\"x\",\"size\":\"big\"}", why,
	    sizeof(why)), ERR_INVALID_FIELD);
	cr_assert(strncmp(why, "size:", 5) == 0, "%s", why);
	cr_assert_eq(parse_fail("{\"prompt\":\"x\",\"response_format\":"
	    "\"png\"}", why, sizeof(why)), ERR_INVALID_FIELD);
	cr_assert_eq(parse_fail("{\"prompt\":\"x\",\"stream\":true}", why,
	    sizeof(why)), ERR_INVALID_FIELD);
	cr_assert_eq(parse_fail("{\"prompt\":\"x\",\"colour\":1}", why,
	    sizeof(why)), ERR_INVALID_FIELD);
	cr_assert_eq(parse_fail("{\"prompt\":\"x\",\"quality\":\"ultra\"}",
	    why, sizeof(why)), ERR_INVALID_FIELD);
}

Test(oai_error, openai_shape_status_and_field_names)
{
	json_t *o = oai_error_new(ERR_INVALID_FIELD, "num_images: 9 is out "
	    "of range 1..4"), *er = json_object_get(o, "error");

	cr_assert_str_eq(json_string_value(json_object_get(er, "type")),
	    "invalid_request_error");
	cr_assert_str_eq(json_string_value(json_object_get(er, "param")), "n");
	cr_assert_str_eq(json_string_value(json_object_get(er, "message")),
	    "n: 9 is out of range 1..4");
	cr_assert_str_eq(json_string_value(json_object_get(er, "code")),
	    "invalid_field");
	json_decref(o);
	cr_assert_eq(oai_status(ERR_INVALID_FIELD), 400);
	cr_assert_eq(oai_status(ERR_PROMPT_EMPTY), 400);
	cr_assert_eq(oai_status(ERR_AUTH_INVALID), 401);
	cr_assert_eq(oai_status(ERR_NO_PROVIDER), 503);
	o = oai_error_new(ERR_CONTENT_BLOCKED, "refused");
	er = json_object_get(o, "error");
	cr_assert_str_eq(json_string_value(json_object_get(er, "code")),
	    "content_policy_violation");
	cr_assert(json_is_null(json_object_get(er, "param")));
	json_decref(o);
	o = oai_error_new(ERR_KEY_RATE_LIMITED, "slow down");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o,
	    "error"), "type")), "rate_limit_error");
	json_decref(o);
}

/* A completed record with one image at rel, answered as format. */
static json_t *
record_of(const char *format, const char *rel)
{
	return json_pack("{s:s,s:s,s:s,s:n,s:{s:{s:s,s:s}},s:[{s:s}]}", "id",
	    "11111111-2222-3333-4444-555555555555", "status", "completed",
	    "prompt_original", "a fox", "prompt_final", "params",
	    OAI_PARAMS_KEY, "response_format", format, "base_url",
	    "http://h:1", "images", "local_path", rel);
}

Test(oai_answer, url_is_absolute_and_b64_json_is_the_stored_file)
{
	char dir[] = "/tmp/oai-XXXXXX", path[128];
	const unsigned char png[] = { 0x89, 'P', 'N', 'G', 1, 2, 3 };
	struct gen_answer a;
	unsigned char *dec = NULL;
	size_t n = 0;
	json_t *r, *item;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/images", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/images/i.png", dir);
	f = fopen(path, "wb");
	fwrite(png, 1, sizeof(png), f);
	fclose(f);
	r = record_of("url", "images/i.png");
	cr_assert(oai_job(r));
	oai_answer_job(r, dir, NULL, &a);
	cr_assert_eq(a.status, 200);
	item = json_array_get(json_object_get(a.body, "data"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(item, "url")),
	    "http://h:1/storage/images/i.png");
	cr_assert_str_eq(json_string_value(json_object_get(item,
	    "revised_prompt")), "a fox");
	cr_assert(json_is_integer(json_object_get(a.body, "created")));
	gen_answer_fini(&a);
	json_decref(r);
	r = record_of("b64_json", "images/i.png");
	oai_answer_job(r, dir, NULL, &a);
	item = json_array_get(json_object_get(a.body, "data"), 0);
	cr_assert_null(json_object_get(item, "url"));
	cr_assert_eq(b64_decode(json_string_value(json_object_get(item,
	    "b64_json")), strlen(json_string_value(json_object_get(item,
	    "b64_json"))), &dec, &n), ERR_OK);
	cr_assert_eq(n, sizeof(png));
	cr_assert_eq(memcmp(dec, png, n), 0);
	free(dec);
	gen_answer_fini(&a);
	json_decref(r);
	/* The same file, by a path that leaves the root and comes back. */
	snprintf(path, sizeof(path), "images/../../%s/images/i.png", dir + 5);
	r = record_of("b64_json", path);
	oai_answer_job(r, dir, NULL, &a);
	cr_assert_eq(a.status, 500, "no read outside the storage root");
	gen_answer_fini(&a);
	json_decref(r);
	/* A link inside the root to a file outside it: never followed. */
	snprintf(path, sizeof(path), "%s/images/l.png", dir);
	cr_assert_eq(symlink("/etc/hostname", path), 0);
	r = record_of("b64_json", "images/l.png");
	oai_answer_job(r, dir, NULL, &a);
	cr_assert_eq(a.status, 500, "a link was followed");
	gen_answer_fini(&a);
	json_decref(r);
	unlink(path);
	snprintf(path, sizeof(path), "%s/images/i.png", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/images", dir);
	rmdir(path);
	rmdir(dir);
}

/* a is status with an OpenAI error of type carrying request id rid. */
static void
assert_oai_error(const struct gen_answer *a, int status, const char *type,
    const char *rid)
{
	const json_t *er = json_object_get(a->body, "error");

	cr_assert_eq(a->status, status);
	cr_assert_str_eq(json_string_value(json_object_get(er, "type")), type);
	cr_assert_str_eq(json_string_value(json_object_get(er, "request_id")),
	    rid);
}

Test(oai_answer, a_failed_or_unfinished_job_is_an_openai_error)
{
	struct gen_answer a;
	json_t *r = json_pack("{s:s,s:s,s:{s:{s:s}},s:{s:s,s:s,s:i}}", "id",
	    "11111111-2222-3333-4444-555555555555", "status", "failed",
	    "params", OAI_PARAMS_KEY, "response_format", "url", "error",
	    "code", "rate_limited", "message", "slow", "retry_after", 3);

	oai_answer_job(r, "/nonexistent", "rid-1", &a);
	assert_oai_error(&a, 429, "rate_limit_error", "rid-1");
	cr_assert_eq(a.retry_after_s, 3);
	gen_answer_fini(&a);
	json_decref(r);
	oai_answer_pending("11111111-2222-3333-4444-555555555555", "rid-2", &a);
	assert_oai_error(&a, 504, "server_error", "rid-2");
	gen_answer_fini(&a);
}

/* The origin of /storage/ URLs: the Host header may carry its port (as
 * nginx passes it when fastcgi_params does not set HTTP_HOST $host). */
Test(oai_origin, the_port_once_and_only_when_needed)
{
	static const struct {
		const char	*base, *scheme, *host, *port, *want;
	} c[] = {
		{ NULL, "http", "127.0.0.1", "8003", "http://127.0.0.1:8003" },
		{ NULL, "http", "127.0.0.1:8003", "8003", "http://127.0.0.1:8003" },
		{ NULL, "https", "img.example", "443", "https://img.example" },
		{ NULL, "http", "img.example", "80", "http://img.example" },
		{ NULL, "http", "[::1]", "8003", "http://[::1]:8003" },
		{ NULL, "http", "[::1]:8003", "8003", "http://[::1]:8003" },
		{ NULL, NULL, NULL, NULL, "http://localhost" },
		{ "https://cdn.example/", "http", "x", "1", "https://cdn.example" },
		{ "https://cdn.example", "http", "x", "1", "https://cdn.example" },
	};
	char out[128];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		oai_origin(c[i].base, c[i].scheme, c[i].host, c[i].port, out,
		    sizeof(out));
		cr_expect_str_eq(out, c[i].want, "case %zu", i);
	}
}
