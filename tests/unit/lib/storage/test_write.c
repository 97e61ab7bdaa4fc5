/*
 * tests/unit/lib/storage/test_write.c - paths are safe, writes atomic:
 * the file appears whole with its hash, a refused or failed write leaves
 * nothing (no file, no temp).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/hash.h"
#include "lib/storage/path.h"
#include "lib/storage/write.h"

#define ID "0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b"

static char root[64];
static unsigned char png[4096];
static size_t pnglen;
static char why[256];

static void
setup(void)
{
	FILE *f = fopen("tests/data/images/rgb-7x5.png", "rb");

	cr_assert_not_null(f);
	pnglen = fread(png, 1, sizeof(png), f);
	fclose(f);
	snprintf(root, sizeof(root), "/tmp/imagegen-store-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(store, .init = setup, .fini = teardown);

/* Files under root (recursively), counting temps apart. */
static int
count_files(const char *pattern)
{
	char cmd[256];
	FILE *p;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "find '%s' -type f -name '%s' | wc -l",
	    root, pattern);
	cr_assert_not_null(p = popen(cmd, "r"));
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

Test(store, writes_whole_file_with_hash)
{
	struct store_opts o = { root, 1 << 20, NULL };
	struct store_result r;
	char sha[65];
	FILE *f;
	unsigned char back[4096];
	size_t n;

	cr_assert_eq(store_write_image(&o, "default", "gemini", ID, png,
	    pnglen, &r, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_str_eq(r.rel_path, "images/default/gemini/" ID ".png");
	cr_assert_eq(r.bytes, pnglen);
	cr_assert_eq(r.info.width, 7);
	hash_sha256_hex(png, pnglen, sha);
	cr_assert_str_eq(r.sha256, sha);
	cr_assert_not_null(f = fopen(r.abs_path, "rb"));
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	cr_assert_eq(n, pnglen);
	cr_assert_eq(memcmp(back, png, n), 0);
	cr_assert_eq(count_files("*.tmp"), 0);
}

Test(store, non_image_and_oversize_are_refused_without_a_trace)
{
	struct store_opts o = { root, 50, NULL };
	struct store_result r;

	cr_assert_eq(store_write_image(&o, "p", "gemini", ID, png, pnglen, &r,
	    why, sizeof(why)), ERR_IMAGE_TOO_LARGE);
	o.max_bytes = 1 << 20;
	cr_assert_eq(store_write_image(&o, "p", "gemini", ID,
	    (const unsigned char *)"hello", 5, &r, why, sizeof(why)),
	    ERR_IMAGE_INVALID);
	cr_assert_eq(store_write_image(&o, "p", "gemini", ID, png, pnglen / 2,
	    &r, why, sizeof(why)), ERR_IMAGE_INVALID, "truncated");
	cr_assert_eq(count_files("*"), 0);
}

static ssize_t
write_enospc(int fd, const void *buf, size_t n)
{
	(void)fd;
	(void)buf;
	(void)n;
	errno = ENOSPC;
	return -1;
}

static ssize_t
write_half_then_eio(int fd, const void *buf, size_t n)
{
	static int calls;

	if (calls++ % 2 == 0)
		return write(fd, buf, n / 2);
	errno = EIO;
	return -1;
}

Test(store, disk_full_is_507_and_leaves_nothing)
{
	struct store_opts o = { root, 1 << 20, write_enospc };
	struct store_result r;

	cr_assert_eq(store_write_image(&o, "p", "gemini", ID, png, pnglen, &r,
	    why, sizeof(why)), ERR_STORAGE_FULL);
	cr_assert(strstr(why, "No space") != NULL, "%s", why);
	cr_assert_eq(count_files("*"), 0);
	o.write_fn = write_half_then_eio;
	cr_assert_eq(store_write_image(&o, "p", "gemini", ID, png, pnglen, &r,
	    why, sizeof(why)), ERR_STORAGE);
	cr_assert_eq(count_files("*"), 0, "partial temp removed");
}

Test(store, project_ids_are_safe)
{
	static const char *const bad[] = { "../etc", "a/b", "", ".", "..",
	    "ABC", "caf\xc3\xa9", "with space",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(store_project_check(bad[i], why, sizeof(why)),
		    ERR_INVALID_FIELD, "%s accepted", bad[i]);
	cr_assert_eq(store_project_check(NULL, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_eq(store_project_check("default", why, sizeof(why)), ERR_OK);
	cr_assert_eq(store_project_check(ID, why, sizeof(why)), ERR_OK);
	cr_assert_eq(store_project_check(
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    why, sizeof(why)), ERR_OK, "64 is fine");
}

Test(store, other_path_parts_are_checked)
{
	char rel[256];

	cr_assert_eq(store_path_rel("p", "../x", ID, "png", rel, sizeof(rel),
	    why, sizeof(why)), ERR_INVALID_FIELD);
	cr_assert_eq(store_path_rel("p", "gemini", "not-a-uuid", "png", rel,
	    sizeof(rel), why, sizeof(why)), ERR_INVALID_FIELD);
	cr_assert_eq(store_path_rel("p", "gemini", ID, "p/g", rel, sizeof(rel),
	    why, sizeof(why)), ERR_INVALID_FIELD);
}
