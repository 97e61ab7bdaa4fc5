/*
 * lib/providers/leonardo.h - the leonardo provider (see leonardo.c).
 * Not here: the interface (provider.h).
 */
#ifndef PROVIDERS_LEONARDO_H
#define PROVIDERS_LEONARDO_H

#include "lib/providers/provider.h"

extern const struct provider prov_leonardo;

/* The Leonardo presetStyle of one of our style names (any case), or NULL
 * when there is none; *alchemy says whether it needs "alchemy": true.
 * Leonardo is the one provider with PROV_STYLE: these names are the
 * values the "style" field takes (lib/gen/genreq.c). */
const char	*prov_leonardo_preset(const char *style, bool *alchemy);
/* The i-th of those names, NULL past the last. */
const char	*prov_leonardo_style_name(size_t i);

#endif
