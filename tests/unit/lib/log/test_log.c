/*
 * tests/unit/lib/log/test_log.c - JSON lines, escaping, redaction, levels.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "lib/log/log.h"

static int fds[2];
static struct log lg;

static void
setup(void)
{
	cr_assert_eq(pipe(fds), 0);
	log_init(&lg, fds[1], NULL, "test");
	lg.secrets[0] = "sk-SECRET123";
	lg.nsecrets = 1;
}

static void
teardown(void)
{
	close(fds[0]);
	close(fds[1]);
}

static json_t *
read_line(void)
{
	char buf[8192];
	ssize_t n = read(fds[0], buf, sizeof(buf) - 1);
	json_error_t je;
	json_t *j;

	cr_assert(n > 0);
	buf[n] = '\0';
	cr_assert_eq(buf[n - 1], '\n');
	cr_assert_not_null(j = json_loads(buf, 0, &je), "%s: %s", buf, je.text);
	return j;
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, line_is_json_with_level_and_request_id)
{
	json_t *j;

	log_set_request(&lg, "req-1");
	log_info(&lg, "hello \"%s\"\n\t%d", "x", 5);
	j = read_line();
	cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "info");
	cr_assert_str_eq(json_string_value(json_object_get(j, "request_id")),
	    "req-1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")),
	    "hello \"x\"\n\t5");
	cr_assert_eq(json_integer_value(json_object_get(j, "pid")), getpid());
	json_decref(j);
}

Test(log, secrets_are_redacted)
{
	json_t *j;

	log_error(&lg, "upstream said: bad key sk-SECRET123 (sk-SECRET123)");
	j = read_line();
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")),
	    "upstream said: bad key [redacted] ([redacted])");
	json_decref(j);
}

/* Only the configured API keys were redacted: credentials in URLs
 * (DATABASE_URL, COMFYUI_URL), key=/token= query parameters, libpq's
 * password= and Bearer tokens went to the log as they were. */
Test(log, credentials_in_urls_and_tokens_are_redacted)
{
	static const char *cases[][2] = {
		{ "db postgresql://imagegen:pa55@db.example:5432/imagegen down",
		  "db postgresql://[redacted]@db.example:5432/imagegen down" },
		{ "GET http://u:p@127.0.0.1:8188/system_stats failed",
		  "GET http://[redacted]@127.0.0.1:8188/system_stats failed" },
		{ "url https://x.example/v1?key=AIzaSyX&alt=json",
		  "url https://x.example/v1?key=[redacted]&alt=json" },
		{ "url https://x.example/v1?a=1&token=abc.def&api_key=k9",
		  "url https://x.example/v1?a=1&token=[redacted]&api_key="
		  "[redacted]" },
		{ "conn host=db user=ig password=s3cr3t dbname=ig",
		  "conn host=db user=ig password=[redacted] dbname=ig" },
		{ "sent Authorization: Bearer eyJhbGciOi.x-y_z rejected",
		  "sent Authorization: Bearer [redacted] rejected" },
		{ "plain https://host.example/path?monkey=1 stays",
		  "plain https://host.example/path?monkey=1 stays" },
		{ "an email a@b.example is not a URL",
		  "an email a@b.example is not a URL" },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		log_redact(&lg, buf, sizeof(buf));
		cr_assert_str_eq(buf, cases[i][1]);
	}
}

Test(log, below_level_is_dropped)
{
	char c;

	lg.level = LOG_WARN;
	log_info(&lg, "quiet");
	log_warn(&lg, "loud");
	json_t *j = read_line();
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")), "loud");
	json_decref(j);
	(void)c;
}

Test(log, access_line_fields)
{
	struct log_access a = { "GET", "/unified/jobs/{id}", "/p\"ath", 404,
	    1.5, 12, "0b7c7f5e-1d2a-4c3b-8e9f-0a1b2c3d4e5f", "gemini", NULL };
	json_t *j;

	log_set_request(&lg, "trace-1");
	log_access(&lg, &a);
	log_set_request(&lg, NULL);
	j = read_line();
	cr_assert_str_eq(json_string_value(json_object_get(j, "msg")),
	    "request");
	cr_assert_str_eq(json_string_value(json_object_get(j, "request_id")),
	    "trace-1");
	cr_assert_str_eq(json_string_value(json_object_get(j, "path")),
	    "/p\"ath");
	cr_assert_str_eq(json_string_value(json_object_get(j, "route")),
	    "/unified/jobs/{id}");
	cr_assert_eq(json_integer_value(json_object_get(j, "status")), 404);
	cr_assert_str_eq(json_string_value(json_object_get(j, "job_id")),
	    a.job_id);
	cr_assert_str_eq(json_string_value(json_object_get(j, "provider")),
	    "gemini");
	cr_assert_null(json_object_get(j, "handoff"), "NULL: left out");
	json_decref(j);
}

Test(log, control_bytes_are_escaped)
{
	char buf[64];

	log_escape(buf, sizeof(buf), "a\001b");
	cr_assert_str_eq(buf, "a\\u0001b");
}
