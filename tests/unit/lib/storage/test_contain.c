/*
 * tests/unit/lib/storage/test_contain.c - stored paths stay beneath the
 * storage root: "..", absolute paths, odd names and symbolic links (to
 * a directory or a file outside) are refused, never followed or
 * removed; plain files are found and removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/storage/contain.h"

static char base[64], root[128], outside[128];
static struct store_root sr;

static void
put(const char *path)
{
	FILE *f;

	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs("12345", f);
	fclose(f);
}

static void
setup(void)
{
	char why[256], p[256];

	snprintf(base, sizeof(base), "/tmp/test_contain.XXXXXX");
	cr_assert_not_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir(root, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/images", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/p", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/p/a.png", root);
	put(p);
	snprintf(p, sizeof(p), "%s/secret.png", outside);
	put(p);
	/* images/evil -> ../../outside; images/p/link.png -> the secret */
	snprintf(p, sizeof(p), "%s/images/evil", root);
	cr_assert_eq(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/images/p/link.png", root);
	cr_assert_eq(symlink("../../../outside/secret.png", p), 0);
	cr_assert_eq(store_root_open(&sr, root, why, sizeof(why)), ERR_OK,
	    "%s", why);
}

static void
teardown(void)
{
	char cmd[128];

	store_root_close(&sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	(void)system(cmd);
}

static bool
secret_there(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/secret.png", outside);
	return access(p, F_OK) == 0;
}

TestSuite(store_contain, .init = setup, .fini = teardown);

Test(store_contain, text_of_a_stored_path)
{
	static const char *const ok[] = { "images/p/prov/"
	    "0b0c7a7e-5f7e-4b59-9a3c-6a4b0b1d2e3f.png", "images/a",
	    "images/a.b/c_d-e" };
	static const char *const bad[] = { NULL, "", "images", "images/",
	    "/etc/passwd", "../../etc/passwd", "images/../../etc/passwd",
	    "images/p/../../../x", "images/./p", "images//p", "images/p/",
	    "spool/x.json", "images/p/a b.png", "images/p/\xc3\xa9.png",
	    "images/p/x\\y" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_expect(store_rel_ok(ok[i]), "%s", ok[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(store_rel_ok(bad[i]), "%s", bad[i] ? bad[i] :
		    "NULL");
}

Test(store_contain, root_is_its_real_path)
{
	cr_expect_eq(strstr(sr.path, "/root") - sr.path,
	    (long)strlen(sr.path) - 5, "%s", sr.path);
	cr_expect_eq(sr.path[0], '/');
}

Test(store_contain, a_plain_file_is_found_and_removed)
{
	off_t n = 0;

	cr_expect_eq(store_stat(&sr, "images/p/a.png", &n), STORE_FILE);
	cr_expect_eq(n, 5);
	cr_expect_eq(store_unlink(&sr, "images/p/a.png", &n), STORE_FILE);
	cr_expect_eq(store_stat(&sr, "images/p/a.png", NULL), STORE_MISSING);
	cr_expect_eq(store_unlink(&sr, "images/p/a.png", NULL),
	    STORE_MISSING);
	cr_expect_eq(store_stat(&sr, "images/nope/x.png", NULL),
	    STORE_MISSING);
}

Test(store_contain, dot_dot_is_refused)
{
	cr_expect_eq(store_unlink(&sr, "../outside/secret.png", NULL),
	    STORE_REFUSED);
	cr_expect_eq(store_unlink(&sr, "images/../../outside/secret.png",
	    NULL), STORE_REFUSED);
	cr_expect_eq(store_unlink(&sr, "images/p/../../../outside/secret.png",
	    NULL), STORE_REFUSED);
	cr_expect(secret_there());
}

Test(store_contain, a_linked_directory_is_refused)
{
	cr_expect_eq(store_stat(&sr, "images/evil/secret.png", NULL),
	    STORE_REFUSED);
	cr_expect_eq(store_unlink(&sr, "images/evil/secret.png", NULL),
	    STORE_REFUSED);
	cr_expect(secret_there());
}

Test(store_contain, a_linked_file_is_refused_and_kept)
{
	char p[256];
	struct stat st;

	cr_expect_eq(store_stat(&sr, "images/p/link.png", NULL),
	    STORE_REFUSED);
	cr_expect_eq(store_unlink(&sr, "images/p/link.png", NULL),
	    STORE_REFUSED);
	cr_expect(secret_there());
	snprintf(p, sizeof(p), "%s/images/p/link.png", root);
	cr_expect_eq(lstat(p, &st), 0, "the link itself was removed");
}

Test(store_contain, a_directory_is_not_a_file)
{
	cr_expect_eq(store_stat(&sr, "images/p", NULL), STORE_REFUSED);
	cr_expect_eq(store_unlink(&sr, "images/p", NULL), STORE_REFUSED);
}
