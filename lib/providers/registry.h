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

/* Borrowed provider by name, or NULL. */
const struct provider	*prov_registry_find(const char *name);

#endif
