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
	size_t i = prov_registry_index(name);

	return i < prov_registry_count ? prov_registry[i] : NULL;
}

/* Model ids named in the providers' notes (shared/providers). */
static const struct {
	const char	*id;
	const char	*name;
} model_names[] = {
	{ "aa77f04e-3eec-4034-9c07-d0f619684628", "Leonardo Kino XL" },
	{ "runware:101@1",	"FLUX.1 [dev]" },
	{ "runware:100@1",	"FLUX.1 [schnell]" },
	{ "gemini-2.5-flash-image", "Gemini 2.5 Flash Image" },
	{ "gemini-2.5-flash-image-preview", "Gemini 2.5 Flash Image (preview)" },
	{ "flux1-dev.safetensors", "FLUX.1 [dev] (ComfyUI)" },
};

const char *
prov_model_name(const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < NELEM(model_names); i++)
		if (strcmp(model_names[i].id, id) == 0)
			return model_names[i].name;
	return NULL;
}

size_t
prov_registry_index(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < prov_registry_count; i++)
		if (strcmp(prov_registry[i]->name, name) == 0)
			return i;
	return prov_registry_count;
}
