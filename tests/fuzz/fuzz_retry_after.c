/*
 * tests/fuzz/fuzz_retry_after.c - libFuzzer driver: arbitrary header
 * values through http_retry_after_parse() (Retry-After as delta seconds
 * or an HTTP date). The answer is -1 or a wait of zero or more seconds;
 * plain digits (18 at most, spaces around) are their own value.
 * Not here: capping the wait (RETRY_AFTER_CAP_S, lib/gen/engine.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/http/http.h"
#include "tests/fuzz/fuzzkit.h"

#define NOW_S	1764000000L	/* 2025-11-24 */

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The value of s when it is spaces, 1..18 digits, spaces; else -2. */
static long
plain_seconds(const char *s)
{
	size_t lead = strspn(s, " \t\r\n\v\f"), n = strspn(s + lead,
	    "0123456789");

	if (n == 0 || n > 18 || s[lead + n + strspn(s + lead + n,
	    " \t\r\n\v\f")] != '\0')
		return -2;
	return strtol(s + lead, NULL, 10);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	long got, want;
	char *s;

	if ((s = fuzzkit_str_dup(data, size)) == NULL)
		return 0;
	got = http_retry_after_parse(s, NOW_S);
	if (got < -1)
		abort();
	if ((want = plain_seconds(s)) != -2 && got != want)
		abort();
	free(s);
	return 0;
}
