/*
 * tests/unit/lib/storage/test_sweep.c - the temp files a killed writer
 * left (NAME.PID.tmp, at any depth) go; a live writer's temp file, the
 * images and other names stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/storage/sweep.h"

static char root[64];

static void
touch(const char *rel)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	cr_assert_not_null(f = fopen(path, "w"), "%s", path);
	fputs("x", f);
	fclose(f);
}

static int
exists(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* A pid that ran and is gone: a child that exited and was reaped. */
static long
dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	cr_assert(p > 0);
	waitpid(p, NULL, 0);
	return (long)p;
}

Test(store_sweep, removes_dead_writers_temp_files_only)
{
	char name[128], live[128];
	long n = -1, dead = dead_pid();

	snprintf(root, sizeof(root), "/tmp/imagegen-sweep-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	snprintf(name, sizeof(name), "%s/images", root);
	mkdir(name, 0755);
	snprintf(name, sizeof(name), "%s/images/p", root);
	mkdir(name, 0755);
	snprintf(name, sizeof(name), "images/p/a.png.%ld.tmp", dead);
	touch(name);
	snprintf(name, sizeof(name), ".job.json.%ld.tmp", dead);
	touch(name);
	snprintf(live, sizeof(live), "images/p/b.png.%ld.tmp", (long)getpid());
	touch(live);
	touch("images/p/a.png");
	touch("images/p/notes.tmp");
	cr_assert_eq(store_sweep_tmp(root, &n), ERR_OK);
	cr_assert_eq(n, 2);
	snprintf(name, sizeof(name), "images/p/a.png.%ld.tmp", dead);
	cr_assert(!exists(name));
	snprintf(name, sizeof(name), ".job.json.%ld.tmp", dead);
	cr_assert(!exists(name));
	cr_assert(exists(live), "a live writer's file stays");
	cr_assert(exists("images/p/a.png"));
	cr_assert(exists("images/p/notes.tmp"), "not a writer's temp name");
}

Test(store_sweep, missing_root_is_empty)
{
	long n = -1;

	cr_assert_eq(store_sweep_tmp("/tmp/imagegen-sweep-none/x", &n), ERR_OK);
	cr_assert_eq(n, 0);
}
