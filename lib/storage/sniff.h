/*
 * lib/storage/sniff.h - what an image is, from its bytes alone: PNG, JPEG
 * or WebP (lossy, lossless, extended), and its width and height.
 * Not here: trusting Content-Type headers (never), writing (write.c).
 */
#ifndef STORAGE_SNIFF_H
#define STORAGE_SNIFF_H

#include <stddef.h>

#include "lib/core/err.h"

enum store_format { STORE_FMT_UNKNOWN = 0, STORE_FMT_PNG, STORE_FMT_JPEG,
    STORE_FMT_WEBP, STORE_FMT__MAX };

struct store_image_info {
	enum store_format	format;
	unsigned		width, height;
};

/* ERR_IMAGE_INVALID for anything but a well-formed PNG, JPEG or WebP
 * header with sane dimensions (1..65535) that is also complete (PNG ends
 * with IEND, JPEG with EOI, WebP matches its RIFF size): a truncated
 * download is refused. Reads only buf[0..len). */
enum err	store_sniff(const unsigned char *buf, size_t len,
		    struct store_image_info *out);
const char	*store_format_name(enum store_format f);	/* "png" */
const char	*store_format_ext(enum store_format f);		/* "jpg" */
const char	*store_format_mime(enum store_format f);

#endif
