/*
 * lib/storage/path.c - storage path parts, checked.
 * Not here: the file system.
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/uuid.h"
#include "lib/storage/path.h"

static int
only(const char *s, const char *set, size_t max)
{
	size_t n = strspn(s, set);

	return n >= 1 && n <= max && s[n] == '\0';
}

enum err
store_project_check(const char *id, char *why, size_t whylen)
{
	/* A lower-case UUID is one case of the pattern. */
	if (id != NULL && only(id, "abcdefghijklmnopqrstuvwxyz0123456789-", 64))
		return ERR_OK;
	snprintf(why, whylen, "project_id: must be a UUID or 1-64 characters "
	    "of [a-z0-9-]");
	return ERR_INVALID_FIELD;
}

enum err
store_provider_check(const char *name, char *why, size_t whylen)
{
	if (name != NULL && only(name, "abcdefghijklmnopqrstuvwxyz0123456789_",
	    32))
		return ERR_OK;
	snprintf(why, whylen, "provider: must be 1-32 characters of [a-z0-9_]");
	return ERR_INVALID_FIELD;
}

enum err
store_path_rel(const char *project, const char *provider,
    const char *image_id, const char *ext, char *rel, size_t len, char *why,
    size_t whylen)
{
	enum err e;

	if ((e = store_project_check(project, why, whylen)) ||
	    (e = store_provider_check(provider, why, whylen)))
		return e;
	if (!uuid_check(image_id) || !only(image_id, "0123456789abcdef-", 36)) {
		snprintf(why, whylen, "image id must be a UUID");
		return ERR_INVALID_FIELD;
	}
	if (ext == NULL || !only(ext, "abcdefghijklmnopqrstuvwxyz", 8)) {
		snprintf(why, whylen, "extension must be letters");
		return ERR_INVALID_FIELD;
	}
	if ((size_t)snprintf(rel, len, "images/%s/%s/%s.%s", project, provider,
	    image_id, ext) >= len) {
		snprintf(why, whylen, "path too long");
		return ERR_INVALID_FIELD;
	}
	return ERR_OK;
}
