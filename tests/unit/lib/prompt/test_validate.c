/*
 * tests/unit/lib/prompt/test_validate.c - the length rules at every
 * boundary (ASCII and multi-byte), emptiness, encoding.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/prompt/validate.h"

static const struct prompt_limits lim = { 10000, 3000, 3000 };
static struct prompt_check c;
static char why[256];

static void
teardown(void)
{
	prompt_check_fini(&c);
}

TestSuite(validate, .fini = teardown);

/* n copies of the UTF-8 character ch (malloc'd). */
static char *
rep(const char *ch, size_t n)
{
	size_t w = strlen(ch), i;
	char *s = malloc(n * w + 1);

	for (i = 0; i < n; i++)
		memcpy(s + i * w, ch, w);
	s[n * w] = '\0';
	return s;
}

static enum err
check(const char *ch, size_t n)
{
	char *s = rep(ch, n);
	enum err e;

	prompt_check_fini(&c);
	e = prompt_validate(s, strlen(s), &lim, &c, why, sizeof(why));
	free(s);
	return e;
}

static void
boundaries(const char *ch)
{
	cr_assert_eq(check(ch, 2999), ERR_OK);
	cr_assert_eq(c.action, PROMPT_PASS);
	cr_assert_eq(c.chars, 2999);
	cr_assert_eq(c.bytes, 2999 * strlen(ch));
	cr_assert_eq(check(ch, 3000), ERR_OK);
	cr_assert_eq(c.action, PROMPT_PASS, "3000 is 'up to 3,000'");
	cr_assert_eq(check(ch, 3001), ERR_OK);
	cr_assert_eq(c.action, PROMPT_OPTIMIZE);
	cr_assert_eq(check(ch, 10000), ERR_OK);
	cr_assert_eq(c.action, PROMPT_OPTIMIZE);
	cr_assert_eq(check(ch, 10001), ERR_PROMPT_TOO_LONG);
	cr_assert_eq(c.action, PROMPT_REJECT);
	cr_assert_eq(c.chars, 10001);
	cr_assert_str_eq(why, "prompt is 10001 characters; the limit is 10000");
}

Test(validate, ascii_boundaries)
{
	boundaries("a");
}

Test(validate, two_byte_boundaries)
{
	boundaries("\xc3\xa9");		/* é */
}

Test(validate, three_byte_boundaries)
{
	boundaries("\xe7\x94\xbb");	/* 画 */
}

Test(validate, four_byte_boundaries)
{
	boundaries("\xf0\x9f\xa6\x8a");	/* fox emoji */
}

Test(validate, whitespace_is_normalized_before_counting)
{
	const char *s = "  a\t\tred \n\n fox  ";

	cr_assert_eq(prompt_validate(s, strlen(s), &lim, &c, why, sizeof(why)),
	    ERR_OK);
	cr_assert_str_eq(c.normalized, "a red fox");
	cr_assert_eq(c.chars, 9);
	cr_assert_eq(c.original_chars, strlen(s));
}

Test(validate, empty_and_blank)
{
	cr_assert_eq(prompt_validate("", 0, &lim, &c, why, sizeof(why)),
	    ERR_PROMPT_EMPTY);
	prompt_check_fini(&c);
	cr_assert_eq(prompt_validate(" \t\r\n ", 5, &lim, &c, why,
	    sizeof(why)), ERR_PROMPT_EMPTY);
}

Test(validate, nul_byte)
{
	cr_assert_eq(prompt_validate("ab\0cd", 5, &lim, &c, why, sizeof(why)),
	    ERR_PROMPT_ENCODING);
	cr_assert_str_eq(why, "prompt contains a NUL byte at offset 2");
}

Test(validate, invalid_utf8)
{
	static const char *const bad[] = {
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong */
		"\xed\xa0\x80",		/* surrogate */
		"\xf4\x90\x80\x80",	/* > U+10FFFF */
		"ab\xe7\x94",		/* truncated */
		"\x80",			/* lone continuation */
		"\xff",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prompt_check_fini(&c);
		cr_assert_eq(prompt_validate(bad[i], strlen(bad[i]), &lim, &c,
		    why, sizeof(why)), ERR_PROMPT_ENCODING, "case %zu", i);
	}
}

Test(validate, limits_are_configurable)
{
	static const struct prompt_limits small = { 20, 10, 8 };
	const char *s = "0123456789ab";

	cr_assert_eq(prompt_validate(s, strlen(s), &small, &c, why,
	    sizeof(why)), ERR_OK);
	cr_assert_eq(c.action, PROMPT_OPTIMIZE);
}
