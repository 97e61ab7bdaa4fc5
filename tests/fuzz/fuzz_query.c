/*
 * tests/fuzz/fuzz_query.c - libFuzzer driver: arbitrary query strings
 * through req_query() (split on '&', percent and plus decoding) for the
 * names the handlers read.
 * Not here: what handlers make of the values (jobs, stats, generate).
 */
#include <stdlib.h>
#include <string.h>

#include "app/request.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const char *const names[] = { "limit", "cursor", "since", "until",
    "project_id", "status", "provider", "window", "dry_run", "fresh", "" };

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct request req;
	const char *v;
	char *s;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&req, 0, sizeof(req));
	arena_init(&req.arena);
	req.query = s;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* A decoded value is never longer than the query. */
		if ((v = req_query(&req, names[i])) != NULL &&
		    strlen(v) > size)
			abort();
		(void)req_query_flag(&req, names[i]);
	}
	arena_fini(&req.arena);
	free(s);
	return 0;
}
