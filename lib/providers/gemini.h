/*
 * lib/providers/gemini.h - the gemini provider (see gemini.c).
 * Not here: the interface (provider.h).
 */
#ifndef PROVIDERS_GEMINI_H
#define PROVIDERS_GEMINI_H

#include "lib/providers/provider.h"

extern const struct provider prov_gemini;

#endif
