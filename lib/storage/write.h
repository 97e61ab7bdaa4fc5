/*
 * lib/storage/write.h - storing one image: sniffed, size-capped, written
 * to a temp name in its directory, fsync'ed, renamed, directory fsync'ed.
 * Nothing partial is ever left under the final name or as a temp file.
 * Not here: downloading (lib/gen/fetch.c), the database.
 */
#ifndef STORAGE_WRITE_H
#define STORAGE_WRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/storage/sniff.h"

struct store_opts {
	const char	*root;		/* STORAGE_DIR */
	size_t		 max_bytes;	/* IMAGE_MAX_BYTES */
	/* write(2) stand-in for tests (inject ENOSPC); NULL = write(2). */
	ssize_t		(*write_fn)(int fd, const void *buf, size_t n);
};

struct store_result {
	char			rel_path[256];	/* images/p/prov/id.png */
	char			abs_path[4096];
	size_t			bytes;
	char			sha256[65];
	struct store_image_info	info;
};

/*
 * Stores buf[0..len) as image image_id of provider in project.
 * ERR_INVALID_FIELD (bad path part), ERR_IMAGE_INVALID (not a complete
 * PNG/JPEG/WebP), ERR_IMAGE_TOO_LARGE, ERR_STORAGE_FULL (ENOSPC,
 * EDQUOT), ERR_STORAGE (any other failure); why says more.
 */
enum err	store_write_image(const struct store_opts *o,
		    const char *project, const char *provider,
		    const char *image_id, const unsigned char *buf,
		    size_t len, struct store_result *out, char *why,
		    size_t whylen);

#endif
