/*
 * tests/fuzz/fuzz_cursor.c - libFuzzer driver: arbitrary text through
 * db_jobs_cursor_parse(); what it accepts must be what PostgreSQL takes
 * (at most 18 digits, a UUID).
 * Not here: the query that uses it (tests/integration/test_jobs_api.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/core/uuid.h"
#include "lib/db/jobs.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char us[DB_CURSOR_US_MAX], id[DB_CURSOR_ID_MAX], *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (db_jobs_cursor_parse(s, us, id) &&
	    (strlen(us) == 0 || strlen(us) > 18 ||
	    strspn(us, "0123456789") != strlen(us) || !uuid_check(id)))
		abort();
	free(s);
	return 0;
}
