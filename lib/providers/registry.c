/*
 * lib/providers/registry.c - every provider imagegen knows, in one table.
 * Not here: configuration checks (each provider's unconfigured()).
 */
#include <string.h>

#include "lib/core/util.h"
#include "lib/providers/comfyui.h"
#include "lib/providers/gemini.h"
#include "lib/providers/leonardo.h"
#include "lib/providers/registry.h"
#include "lib/providers/runware.h"

/* Name order is the tie-break when priorities and weights are equal. */
const struct provider *const prov_registry[] = {
	&prov_leonardo,
	&prov_runware,
	&prov_gemini,
	&prov_comfyui,
};

const size_t prov_registry_count = NELEM(prov_registry);

const struct provider *
prov_registry_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < prov_registry_count; i++)
		if (strcmp(prov_registry[i]->name, name) == 0)
			return prov_registry[i];
	return NULL;
}
