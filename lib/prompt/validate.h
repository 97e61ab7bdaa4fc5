/*
 * lib/prompt/validate.h - the prompt rules: valid UTF-8 without NUL, not
 * empty, whitespace normalized, length in characters (code points):
 * up to optimize_above passes, up to max_chars is optimized to under
 * target_chars, beyond max_chars is refused.
 * Not here: the optimization itself (optimize.c).
 */
#ifndef PROMPT_VALIDATE_H
#define PROMPT_VALIDATE_H

#include <stddef.h>

#include "lib/core/err.h"

enum prompt_action { PROMPT_PASS = 0, PROMPT_OPTIMIZE, PROMPT_REJECT };

struct prompt_limits {
	long	max_chars;		/* PROMPT_MAX_CHARS */
	long	optimize_above;		/* PROMPT_OPTIMIZE_ABOVE */
	long	target_chars;		/* PROMPT_TARGET_CHARS */
};

struct prompt_check {
	enum prompt_action	 action;
	size_t			 chars;		/* of the normalized text */
	size_t			 bytes;
	size_t			 original_chars;	/* before normalizing */
	char			*normalized;	/* malloc'd */
};

/*
 * Checks text[0..len) against lim. ERR_PROMPT_ENCODING (NUL or invalid
 * UTF-8, with the byte offset), ERR_PROMPT_EMPTY, ERR_PROMPT_TOO_LONG
 * (length and limit in why; out->chars is set and action is REJECT).
 * Caller frees out with prompt_check_fini() whatever the result.
 */
enum err	prompt_validate(const char *text, size_t len,
		    const struct prompt_limits *lim, struct prompt_check *out,
		    char *why, size_t whylen);
void		prompt_check_fini(struct prompt_check *c);
/* Offset of the first byte that breaks UTF-8 in s[0..len), or len. */
size_t		prompt_utf8_check(const char *s, size_t len);
/* "pass" / "optimize" / "reject". */
const char	*prompt_action_name(enum prompt_action a);

#endif
