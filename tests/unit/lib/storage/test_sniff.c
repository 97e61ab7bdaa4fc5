/*
 * tests/unit/lib/storage/test_sniff.c - real PNG/JPEG/WebP samples
 * (tests/data/images/, made with libpng, libjpeg, jpegtran and cwebp):
 * type and exact size from bytes; non-images and truncations refused.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "lib/storage/sniff.h"

static unsigned char *
load(const char *name, size_t *len)
{
	char path[256];
	unsigned char *buf = malloc(1 << 20);
	FILE *f;

	snprintf(path, sizeof(path), "tests/data/images/%s", name);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

static void
expect(const char *name, enum store_format fmt, unsigned w, unsigned h)
{
	struct store_image_info i;
	size_t len;
	unsigned char *b = load(name, &len);

	cr_assert_eq(store_sniff(b, len, &i), ERR_OK, "%s", name);
	cr_assert_eq(i.format, fmt, "%s", name);
	cr_assert_eq(i.width, w, "%s: width %u", name, i.width);
	cr_assert_eq(i.height, h, "%s: height %u", name, i.height);
	free(b);
}

static void
refuse(const char *name)
{
	struct store_image_info i;
	size_t len;
	unsigned char *b = load(name, &len);

	cr_assert_eq(store_sniff(b, len, &i), ERR_IMAGE_INVALID, "%s", name);
	free(b);
}

Test(sniff, png)		{ expect("rgb-7x5.png", STORE_FMT_PNG, 7, 5); }
Test(sniff, baseline_jpeg)	{ expect("baseline-64x48.jpg", STORE_FMT_JPEG, 64, 48); }
Test(sniff, progressive_jpeg)	{ expect("progressive-64x48.jpg", STORE_FMT_JPEG, 64, 48); }
Test(sniff, lossy_webp)		{ expect("lossy-64x48.webp", STORE_FMT_WEBP, 64, 48); }
Test(sniff, lossless_webp)	{ expect("lossless-64x48.webp", STORE_FMT_WEBP, 64, 48); }
Test(sniff, extended_webp)	{ expect("extended-64x48.webp", STORE_FMT_WEBP, 64, 48); }
Test(sniff, not_an_image)	{ refuse("not-image.txt"); }
Test(sniff, truncated_png)	{ refuse("truncated.png"); }
Test(sniff, absurd_dimensions)	{ refuse("huge-dims.png"); }

Test(sniff, every_prefix_of_a_jpeg_is_refused_or_complete)
{
	struct store_image_info i;
	size_t len, n;
	unsigned char *b = load("progressive-64x48.jpg", &len);

	for (n = 0; n < len; n++)
		cr_assert_eq(store_sniff(b, n, &i), ERR_IMAGE_INVALID, "%zu", n);
	free(b);
}

Test(sniff, names)
{
	cr_assert_str_eq(store_format_ext(STORE_FMT_JPEG), "jpg");
	cr_assert_str_eq(store_format_name(STORE_FMT_JPEG), "jpeg");
	cr_assert_str_eq(store_format_mime(STORE_FMT_WEBP), "image/webp");
}
