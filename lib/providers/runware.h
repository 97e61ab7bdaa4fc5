/*
 * lib/providers/runware.h - the runware provider (see runware.c).
 * Not here: the interface (provider.h).
 */
#ifndef PROVIDERS_RUNWARE_H
#define PROVIDERS_RUNWARE_H

#include "lib/providers/provider.h"

extern const struct provider prov_runware;

#endif
