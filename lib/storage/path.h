/*
 * lib/storage/path.h - where an image goes: STORAGE_DIR/images/{project}/
 * {provider}/{image-id}.{ext}, from validated parts only.
 * Not here: writing (write.c).
 */
#ifndef STORAGE_PATH_H
#define STORAGE_PATH_H

#include <stddef.h>

#include "lib/core/err.h"

/* A UUID or 1-64 of [a-z0-9-] (no dots, slashes, upper case, unicode). */
enum err	store_project_check(const char *id, char *why, size_t whylen);
/* 1-32 of [a-z0-9_]. */
enum err	store_provider_check(const char *name, char *why,
		    size_t whylen);
/*
 * "images/{project}/{provider}/{id}.{ext}" into rel; every part checked
 * (id must be a UUID). ERR_INVALID_FIELD naming the bad part.
 */
enum err	store_path_rel(const char *project, const char *provider,
		    const char *image_id, const char *ext, char *rel,
		    size_t len, char *why, size_t whylen);

#endif
