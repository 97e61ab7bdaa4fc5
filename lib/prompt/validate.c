/*
 * lib/prompt/validate.c - UTF-8 check, whitespace normalization, length
 * rules.
 * Not here: analysis (analyze.c), shortening (compress.c, optimize.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/prompt/lexicon.h"
#include "lib/prompt/validate.h"

/* Length of the UTF-8 sequence at s (strict: no overlongs, no
 * surrogates, at most U+10FFFF), or 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (left < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;	/* overlong, surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (left < 4 || (s[1] & 0xc0) != 0x80 ||
		    (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;	/* overlong, > U+10FFFF */
		return 4;
	}
	return 0;
}

size_t
prompt_utf8_check(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return i;
		i += n;
	}
	return len;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* Runs of ASCII whitespace become one space; ends trimmed. */
static char *
normalize(const char *s, size_t len, size_t *outlen)
{
	char *out = malloc(len + 1), *o = out;
	size_t i;
	int pending = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (is_space(s[i])) {
			pending = o != out;
			continue;
		}
		if (pending)
			*o++ = ' ';
		pending = 0;
		*o++ = s[i];
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

const char *
prompt_action_name(enum prompt_action a)
{
	static const char *const names[] = { [PROMPT_PASS] = "pass",
	    [PROMPT_OPTIMIZE] = "optimize", [PROMPT_REJECT] = "reject" };

	return (unsigned)a <= PROMPT_REJECT ? names[a] : "reject";
}

enum err
prompt_validate(const char *text, size_t len, const struct prompt_limits *lim,
    struct prompt_check *out, char *why, size_t whylen)
{
	const char *nul = memchr(text, '\0', len);
	size_t bad;

	memset(out, 0, sizeof(*out));
	out->action = PROMPT_REJECT;
	if (nul != NULL) {
		snprintf(why, whylen, "prompt contains a NUL byte at offset "
		    "%zu", (size_t)(nul - text));
		return ERR_PROMPT_ENCODING;
	}
	if ((bad = prompt_utf8_check(text, len)) != len) {
		snprintf(why, whylen, "prompt is not valid UTF-8 (byte %zu)",
		    bad);
		return ERR_PROMPT_ENCODING;
	}
	out->original_chars = prompt_chars_n(text, len);
	if ((out->normalized = normalize(text, len, &out->bytes)) == NULL)
		return ERR_NOMEM;
	out->chars = prompt_chars_n(out->normalized, out->bytes);
	if (out->chars == 0) {
		snprintf(why, whylen, "prompt is empty or only whitespace");
		return ERR_PROMPT_EMPTY;
	}
	if ((long)out->chars > lim->max_chars) {
		snprintf(why, whylen, "prompt is %zu characters; the limit is "
		    "%ld", out->chars, lim->max_chars);
		return ERR_PROMPT_TOO_LONG;
	}
	out->action = (long)out->chars > lim->optimize_above ?
	    PROMPT_OPTIMIZE : PROMPT_PASS;
	return ERR_OK;
}

void
prompt_check_fini(struct prompt_check *c)
{
	free(c->normalized);
	c->normalized = NULL;
}
