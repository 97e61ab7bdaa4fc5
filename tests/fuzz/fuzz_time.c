/*
 * tests/fuzz/fuzz_time.c - libFuzzer driver: arbitrary text through
 * time_iso_check() (the since/until filters); an accepted date must
 * exist (checked again with timegm()).
 * Not here: PostgreSQL's own parsing (tests/integration/test_jobs_api.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/timeutil.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The date part of an accepted s normalizes to itself. */
static void
date_exists(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = 12;
	(void)timegm(&tm);
	if (tm.tm_mday != atoi(s + 8) || tm.tm_mon != atoi(s + 5) - 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (time_iso_check(s))
		date_exists(s);
	free(s);
	return 0;
}
