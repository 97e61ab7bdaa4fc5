/*
 * tests/unit/lib/db/test_spool.c - the spool on disk, without a database:
 * a record is written whole (no temp left), a spool at SPOOL_MAX_BYTES
 * refuses the next one with 507 insufficient_storage, and spool_room and
 * spool_stat say so.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/db/spool.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/imagegen-spool-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

TestSuite(spool, .init = setup, .fini = teardown);

static json_t *
record(const char *id, size_t pad)
{
	char *p = malloc(pad + 1);
	json_t *j;

	memset(p, 'x', pad);
	p[pad] = '\0';
	j = json_pack("{s:s,s:s}", "id", id, "pad", p);
	free(p);
	return j;
}

/* Entries in dir: records and temp files. */
static int
entries(void)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	cr_assert_not_null(dp);
	while ((d = readdir(dp)) != NULL)
		n += d->d_name[0] != '.' || strstr(d->d_name, ".tmp") != NULL;
	closedir(dp);
	return n;
}

Test(spool, writes_a_whole_record_and_no_temp)
{
	json_t *j = record("0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b", 10);
	char path[128];
	json_t *back;

	cr_assert_eq(spool_write(dir, 1 << 20, j), ERR_OK);
	snprintf(path, sizeof(path), "%s/0b8e4f3a-6d2c-4e0f-9a51-0c1d2e3f4a5b"
	    ".json", dir);
	cr_assert_not_null(back = json_load_file(path, 0, NULL));
	cr_assert(json_equal(back, j));
	cr_assert_eq(entries(), 1, "the record only, no temp file");
	json_decref(back);
	json_decref(j);
}

Test(spool, full_spool_is_507_insufficient_storage)
{
	json_t *a = record("11111111-6d2c-4e0f-9a51-0c1d2e3f4a5b", 5000);
	json_t *b = record("22222222-6d2c-4e0f-9a51-0c1d2e3f4a5b", 10);
	struct spool_stat st;

	cr_assert_eq(spool_room(dir, 4096), ERR_OK);
	cr_assert_eq(spool_write(dir, 4096, a), ERR_OK);
	cr_assert_eq(spool_write(dir, 4096, b), ERR_STORAGE_FULL);
	cr_assert_eq(err_status(ERR_STORAGE_FULL), 507);
	cr_assert_str_eq(err_code(ERR_STORAGE_FULL), "insufficient_storage");
	cr_assert_eq(spool_room(dir, 4096), ERR_STORAGE_FULL);
	spool_stat(dir, &st);
	cr_assert_eq(st.records, 1);
	cr_assert_geq(st.bytes, 5000);
	json_decref(a);
	json_decref(b);
}

/* The default SPOOL_DIR is var/spool under the working directory, whose
 * var/ a fresh install does not have. */
Test(spool, makes_its_missing_parents)
{
	char nested[128];
	json_t *j = record("33333333-6d2c-4e0f-9a51-0c1d2e3f4a5b", 10);

	snprintf(nested, sizeof(nested), "%s/var/spool", dir);
	cr_assert_eq(spool_room(nested, 1 << 20), ERR_OK);
	cr_assert_eq(spool_write(nested, 1 << 20, j), ERR_OK);
	cr_assert_eq(spool_count(nested), 1);
	json_decref(j);
}

Test(spool, unwritable_spool_has_no_room)
{
	cr_assert_eq(spool_room("/dev/null/spool", 1 << 20), ERR_STORAGE);
}
