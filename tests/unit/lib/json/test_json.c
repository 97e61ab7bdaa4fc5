/*
 * tests/unit/lib/json/test_json.c - typed getters and body parsing.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/json/json.h"

static char why[256];

static json_t *
obj(const char *text)
{
	json_t *o = NULL;

	cr_assert_eq(jx_parse_object(text, strlen(text), &o, why,
	    sizeof(why)), ERR_OK, "%s", why);
	return o;
}

Test(json, parse_rejects_non_objects_and_garbage)
{
	json_t *o = NULL;

	cr_assert_eq(jx_parse_object("[1]", 3, &o, why, sizeof(why)),
	    ERR_BAD_JSON);
	cr_assert_null(o);
	cr_assert_eq(jx_parse_object("{\"a\":", 5, &o, why, sizeof(why)),
	    ERR_BAD_JSON);
	cr_assert(strstr(why, "line 1") != NULL, "%s", why);
	cr_assert_eq(jx_parse_object("", 0, &o, why, sizeof(why)),
	    ERR_BAD_JSON);
	cr_assert_eq(jx_parse_object("{\"a\":1,\"a\":2}", 13, &o, why,
	    sizeof(why)), ERR_BAD_JSON);
}

Test(json, string_getter)
{
	json_t *o = obj("{\"s\":\"x\",\"n\":1,\"z\":null}");
	const char *s = "default";

	cr_assert_eq(jx_string(o, "s", true, &s, why, sizeof(why)), ERR_OK);
	cr_assert_str_eq(s, "x");
	s = "default";
	cr_assert_eq(jx_string(o, "missing", false, &s, why, sizeof(why)),
	    ERR_OK);
	cr_assert_str_eq(s, "default");
	cr_assert_eq(jx_string(o, "z", false, &s, why, sizeof(why)), ERR_OK);
	cr_assert_str_eq(s, "default");
	cr_assert_eq(jx_string(o, "missing", true, &s, why, sizeof(why)),
	    ERR_MISSING_FIELD);
	cr_assert_str_eq(why, "missing: is required");
	cr_assert_eq(jx_string(o, "n", true, &s, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_str_eq(why, "n: must be a string");
	json_decref(o);
}

Test(json, int_getter_checks_type_and_range)
{
	json_t *o = obj("{\"n\":4,\"f\":1.5,\"big\":99,\"s\":\"4\"}");
	long n = 0;

	cr_assert_eq(jx_int(o, "n", true, 1, 4, &n, why, sizeof(why)), ERR_OK);
	cr_assert_eq(n, 4);
	cr_assert_eq(jx_int(o, "big", true, 1, 4, &n, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_str_eq(why, "big: 99 is out of range 1..4");
	cr_assert_eq(jx_int(o, "f", true, 1, 4, &n, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_eq(jx_int(o, "s", true, 1, 4, &n, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	json_decref(o);
}

Test(json, bool_and_enum_getters)
{
	json_t *o = obj("{\"b\":false,\"m\":\"local\",\"x\":\"nope\"}");
	static const char *const names[] = { "auto", "ollama", "local", NULL };
	bool b = true;
	int m = -1;

	cr_assert_eq(jx_bool(o, "b", true, &b, why, sizeof(why)), ERR_OK);
	cr_assert_not(b);
	cr_assert_eq(jx_bool(o, "m", true, &b, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_eq(jx_enum(o, "m", true, names, &m, why, sizeof(why)),
	    ERR_OK);
	cr_assert_eq(m, 2);
	cr_assert_eq(jx_enum(o, "x", true, names, &m, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_str_eq(why, "x: must be one of \"auto\", \"ollama\", "
	    "\"local\"");
	json_decref(o);
}

Test(json, unknown_keys_are_named)
{
	json_t *o = obj("{\"prompt\":\"x\",\"promt\":\"y\"}");
	static const char *const allowed[] = { "prompt", NULL };

	cr_assert_eq(jx_check_keys(o, allowed, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_str_eq(why, "promt: unknown field");
	json_decref(o);
}

Test(json, dump_is_compact_with_short_reals)
{
	json_t *o = json_pack("{s:f,s:s}", "ms", 17.015, "u", "\xc3\xa9");
	char *s = jx_dump(o);

	cr_assert_str_eq(s, "{\"ms\":17.015,\"u\":\"\xc3\xa9\"}");
	free(s);
	json_decref(o);
}

/* A message cut inside a character, or bytes from a URL, made
 * json_string() NULL and the error body vanish. */
Test(json, utf8_fix_replaces_only_bad_bytes)
{
	char cut[] = "caf\xc3", ok[] = "caf\xc3\xa9 \xf0\x9f\xa6\x8a",
	    bad[] = "\xff\xfe" "a\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80";

	cr_assert_eq(jx_utf8_fix(cut), 1);
	cr_assert_str_eq(cut, "caf?");
	cr_assert_eq(jx_utf8_fix(ok), 0);
	cr_assert_str_eq(ok, "caf\xc3\xa9 \xf0\x9f\xa6\x8a");
	jx_utf8_fix(bad);
	cr_assert_str_eq(bad, "??a??b???c????");
}

Test(json, text_new_is_never_null_for_bad_bytes)
{
	json_t *j = jx_text_new("no route for /\xff\xfe");

	cr_assert_not_null(j);
	cr_assert_str_eq(json_string_value(j), "no route for /??");
	json_decref(j);
}
