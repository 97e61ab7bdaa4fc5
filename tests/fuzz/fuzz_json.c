/*
 * tests/fuzz/fuzz_json.c - libFuzzer driver: request bodies through
 * jx_parse_object and every typed getter.
 * Not here: handler semantics.
 */
#include <stdlib.h>

#include "lib/json/json.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const keys[] = { "prompt", "n", "optimize",
	    "method", NULL };
	static const char *const names[] = { "auto", "ollama", "local", NULL };
	json_t *o = NULL;
	char why[512];
	const char *s;
	long n;
	bool b;
	int e;

	if (jx_parse_object((const char *)data, size, &o, why,
	    sizeof(why)) != ERR_OK)
		return 0;
	(void)jx_check_keys(o, keys, why, sizeof(why));
	(void)jx_string(o, "prompt", true, &s, why, sizeof(why));
	(void)jx_int(o, "n", false, 1, 4, &n, why, sizeof(why));
	(void)jx_bool(o, "optimize", false, &b, why, sizeof(why));
	(void)jx_enum(o, "method", false, names, &e, why, sizeof(why));
	free(jx_dump(o));
	json_decref(o);
	return 0;
}
