/*
 * lib/providers/registry.h - the table of providers.
 * Not here: their order for a request (plan.c).
 */
#ifndef PROVIDERS_REGISTRY_H
#define PROVIDERS_REGISTRY_H

#include <stddef.h>

#include "lib/providers/provider.h"

extern const struct provider *const prov_registry[];
extern const size_t prov_registry_count;

/* A readable name of model id ("aa77f04e-..." -> "Leonardo Kino XL"), or
 * NULL when it is not a known one. */
const char		*prov_model_name(const char *id);
/* Borrowed provider by name, or NULL. */
const struct provider	*prov_registry_find(const char *name);
/* The index of provider name in prov_registry; prov_registry_count when
 * there is none (name NULL or unknown). */
size_t			 prov_registry_index(const char *name);

#endif
