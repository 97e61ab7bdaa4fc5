/*
 * lib/storage/sniff.c - magic bytes -> format, then a bounds-checked
 * dimension parser per format.
 * Not here: decoding pixels (never needed).
 */
#include <string.h>

#include "lib/core/util.h"
#include "lib/storage/sniff.h"

typedef enum err (*dims_fn)(const unsigned char *, size_t,
    struct store_image_info *);

static enum err	png_dims(const unsigned char *, size_t,
		    struct store_image_info *);
static enum err	jpeg_dims(const unsigned char *, size_t,
		    struct store_image_info *);
static enum err	webp_dims(const unsigned char *, size_t,
		    struct store_image_info *);

/* Magic bytes at an offset -> format and its dimension parser. */
static const struct {
	size_t			 off;
	const char		*magic;
	size_t			 len;
	enum store_format	 format;
	dims_fn			 dims;
} magics[] = {
	{ 0, "\x89PNG\r\n\x1a\n",	8, STORE_FMT_PNG,  png_dims },
	{ 0, "\xff\xd8\xff",		3, STORE_FMT_JPEG, jpeg_dims },
	{ 8, "WEBP",			4, STORE_FMT_WEBP, webp_dims },
};

/* Names, extension and MIME type of each format. */
static const struct {
	const char	*name, *ext, *mime;
} formats[STORE_FMT__MAX] = {
	[STORE_FMT_UNKNOWN] = { "unknown", "bin", "application/octet-stream" },
	[STORE_FMT_PNG]  = { "png",  "png",  "image/png" },
	[STORE_FMT_JPEG] = { "jpeg", "jpg",  "image/jpeg" },
	[STORE_FMT_WEBP] = { "webp", "webp", "image/webp" },
};

const char *
store_format_name(enum store_format f)
{
	return formats[(unsigned)f < STORE_FMT__MAX ? f : 0].name;
}

const char *
store_format_ext(enum store_format f)
{
	return formats[(unsigned)f < STORE_FMT__MAX ? f : 0].ext;
}

const char *
store_format_mime(enum store_format f)
{
	return formats[(unsigned)f < STORE_FMT__MAX ? f : 0].mime;
}

static unsigned
be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static unsigned long
be32(const unsigned char *p)
{
	return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 |
	    (unsigned long)p[2] << 8 | p[3];
}

static unsigned
le16(const unsigned char *p)
{
	return (unsigned)p[1] << 8 | p[0];
}

static unsigned long
le24(const unsigned char *p)
{
	return (unsigned long)p[2] << 16 | (unsigned long)p[1] << 8 | p[0];
}

static enum err
dims_set(struct store_image_info *o, unsigned long w, unsigned long h)
{
	if (w < 1 || h < 1 || w > 65535 || h > 65535)
		return ERR_IMAGE_INVALID;
	o->width = (unsigned)w;
	o->height = (unsigned)h;
	return ERR_OK;
}

/* PNG: the first chunk must be IHDR (length 13). */
static enum err
png_dims(const unsigned char *b, size_t len, struct store_image_info *o)
{
	if (len < 33 || be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
		return ERR_IMAGE_INVALID;
	return dims_set(o, be32(b + 16), be32(b + 20));
}

/* SOF markers that carry the frame size (not DHT C4, JPG C8, DAC CC). */
static int
is_sof(unsigned char m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

/* JPEG: walk the segments after SOI up to the first SOFn. */
static enum err
jpeg_dims(const unsigned char *b, size_t len, struct store_image_info *o)
{
	size_t i = 2, seg;
	unsigned char m;

	while (i + 4 <= len) {
		if (b[i] != 0xff)
			return ERR_IMAGE_INVALID;
		m = b[i + 1];
		if (m == 0xff) {		/* fill byte */
			i++;
			continue;
		}
		if (m == 0xd8 || (m >= 0xd0 && m <= 0xd7) || m == 0x01) {
			i += 2;			/* no length */
			continue;
		}
		if (m == 0xd9 || m == 0xda)	/* EOI / SOS before a SOF */
			return ERR_IMAGE_INVALID;
		seg = be16(b + i + 2);
		if (seg < 2)
			return ERR_IMAGE_INVALID;
		if (is_sof(m))
			return i + 9 <= len && seg >= 7 ? dims_set(o,
			    be16(b + i + 7), be16(b + i + 5)) :
			    ERR_IMAGE_INVALID;
		i += 2 + seg;
	}
	return ERR_IMAGE_INVALID;
}

/* WebP: RIFF....WEBP then a VP8 (lossy), VP8L or VP8X chunk. */
static enum err
webp_dims(const unsigned char *b, size_t len, struct store_image_info *o)
{
	if (len < 30 || memcmp(b, "RIFF", 4) != 0)
		return ERR_IMAGE_INVALID;
	if (memcmp(b + 12, "VP8 ", 4) == 0) {
		if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a)
			return ERR_IMAGE_INVALID;
		return dims_set(o, le16(b + 26) & 0x3fff, le16(b + 28) & 0x3fff);
	}
	if (memcmp(b + 12, "VP8L", 4) == 0) {
		unsigned long bits = be32((const unsigned char[]){ b[24], b[23],
		    b[22], b[21] });

		if (b[20] != 0x2f)
			return ERR_IMAGE_INVALID;
		return dims_set(o, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
	}
	if (memcmp(b + 12, "VP8X", 4) == 0)
		return dims_set(o, le24(b + 24) + 1, le24(b + 27) + 1);
	return ERR_IMAGE_INVALID;
}

/* A truncated download keeps its header: check the format's ending. */
static int
complete(enum store_format f, const unsigned char *b, size_t len)
{
	unsigned long riff;

	switch (f) {
	case STORE_FMT_PNG:
		return len >= 45 && memcmp(b + len - 8, "IEND", 4) == 0;
	case STORE_FMT_JPEG:
		return len >= 4 && b[len - 2] == 0xff && b[len - 1] == 0xd9;
	case STORE_FMT_WEBP:
		riff = (unsigned long)b[4] | (unsigned long)b[5] << 8 |
		    (unsigned long)b[6] << 16 | (unsigned long)b[7] << 24;
		return riff + 8 == len || riff + 9 == len;
	default:
		return 0;
	}
}

enum err
store_sniff(const unsigned char *buf, size_t len, struct store_image_info *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < NELEM(magics); i++) {
		if (len < magics[i].off + magics[i].len || memcmp(buf +
		    magics[i].off, magics[i].magic, magics[i].len) != 0)
			continue;
		out->format = magics[i].format;
		if (magics[i].dims(buf, len, out) == ERR_OK &&
		    complete(out->format, buf, len))
			return ERR_OK;
		out->format = STORE_FMT_UNKNOWN;
		return ERR_IMAGE_INVALID;
	}
	return ERR_IMAGE_INVALID;
}
