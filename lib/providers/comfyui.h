/*
 * lib/providers/comfyui.h - the comfyui provider (see comfyui.c).
 * Not here: the interface (provider.h).
 */
#ifndef PROVIDERS_COMFYUI_H
#define PROVIDERS_COMFYUI_H

#include "lib/providers/provider.h"

extern const struct provider prov_comfyui;

#endif
