/*
 * tests/unit/lib/storage/test_usage.c - the walk of the images tree:
 * files count per project folder; the checkout's own placeholder
 * (storage/images/.gitkeep) is not an orphan nor usage.
 * Not here: containment (test_contain.c), SQL (test_storage, integration).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/storage/usage.h"

static char root[64];

static void
put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	cr_assert_not_null(f = fopen(p, "w"), "%s", p);
	fputs(text, f);
	fclose(f);
}

static void
setup(void)
{
	char p[256];

	snprintf(root, sizeof(root), "/tmp/test_usage.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/images", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/images/acme", root);
	mkdir(p, 0755);
	put("images/.gitkeep", "");
	put("images/acme/a.png", "12345");
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(usage, .init = setup, .fini = teardown);

Test(usage, the_placeholder_is_neither_usage_nor_orphan)
{
	struct store_root r;
	json_t *u = NULL, *o = NULL, *rows = json_array();
	char why[128];

	cr_assert_eq(store_root_open(&r, root, why, sizeof(why)), ERR_OK,
	    "%s", why);
	cr_assert_eq(store_usage_disk(&r, NULL, &u), ERR_OK);
	cr_expect_eq(json_object_size(u), 1, "%s", json_dumps(u, 0));
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(u,
	    "acme"), "files")), 1);
	cr_assert_eq(store_orphans_find(&r, NULL, rows, 0, time(NULL) + 7200,
	    &o), ERR_OK);
	cr_expect_eq(json_array_size(json_object_get(o, "files")), 1,
	    "%s", json_dumps(o, 0));
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(o, "files"), 0), "path")), "images/acme/a.png");
	json_decref(u);
	json_decref(o);
	json_decref(rows);
	store_root_close(&r);
}
