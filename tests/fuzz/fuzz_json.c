/*
 * tests/fuzz/fuzz_json.c - libFuzzer driver: request bodies through
 * jx_parse_object and every typed getter, and through the generate body
 * parser (full and quick, and each item of a batch's "requests").
 * Not here: handler semantics.
 */
#include <stdlib.h>

#include "lib/json/json.h"
#include "lib/gen/genreq.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* o as a generate body (full and quick), and each batch item. */
static void
genreq_all(const json_t *o, char *why, size_t whylen)
{
	struct genreq g;
	const json_t *it;
	size_t i;

	if (genreq_parse(o, false, &g, why, whylen) == ERR_OK)
		json_decref(genreq_render(&g));
	(void)genreq_parse(o, true, &g, why, whylen);
	json_array_foreach(json_object_get(o, "requests"), i, it)
		if (genreq_parse(it, false, &g, why, whylen) == ERR_OK)
			json_decref(genreq_render(&g));
}

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
	genreq_all(o, why, sizeof(why));
	free(jx_dump(o));
	json_decref(o);
	return 0;
}
