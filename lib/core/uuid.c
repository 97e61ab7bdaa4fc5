/*
 * lib/core/uuid.c - UUID generation and syntax check (libuuid).
 * Not here: storage or DB ids policy.
 */
#include <uuid/uuid.h>

#include "lib/core/uuid.h"

void
uuid_make(char out[UUID_STRLEN + 1])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

bool
uuid_check(const char *s)
{
	uuid_t u;

	return s != NULL && uuid_parse(s, u) == 0;
}
