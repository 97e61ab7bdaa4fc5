/*
 * tests/fuzz/fuzz_router.c - libFuzzer driver: the real route table
 * against arbitrary methods and paths (input: "METHOD path").
 * Not here: handlers (only matching is exercised).
 */
#include <stdlib.h>
#include <string.h>

#include "app/router.h"
#include "app/routes.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct router r;
	static int ready;
	struct router_match m;
	char why[256], *s, *sp;
	const char *method = "GET", *path;

	if (!ready && router_init(&r, app_routes, app_nroutes, why,
	    sizeof(why)) == ERR_OK)
		ready = 1;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	path = s;
	if ((sp = strchr(s, ' ')) != NULL) {
		*sp = '\0';
		method = s;
		path = sp + 1;
	}
	if (router_match(&r, method, path, &m) == ERR_OK && m.ncap > 0 &&
	    m.cap_off[m.ncap - 1] + m.cap_len[m.ncap - 1] > strlen(path))
		abort();	/* a capture outside the path */
	free(s);
	return 0;
}
