/*
 * lib/providers/leonardo.h - the leonardo provider (see leonardo.c).
 * Not here: the interface (provider.h).
 */
#ifndef PROVIDERS_LEONARDO_H
#define PROVIDERS_LEONARDO_H

#include "lib/providers/provider.h"

extern const struct provider prov_leonardo;

#endif
