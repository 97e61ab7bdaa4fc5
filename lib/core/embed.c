/*
 * lib/core/embed.c - look-ups in the generated table of embedded files.
 * Not here: the table itself (build/gen/embed.c, made by the Makefile).
 */
#include <string.h>

#include "lib/core/embed.h"

const struct embed_file *
embed_get(const char *path)
{
	size_t i;

	for (i = 0; i < embed_nfiles; i++)
		if (strcmp(embed_files[i].path, path) == 0)
			return &embed_files[i];
	return NULL;
}

size_t
embed_first(const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < embed_nfiles; i++)
		if (strncmp(embed_files[i].path, prefix, n) == 0)
			return i;
	return embed_nfiles;
}
