/*
 * tests/faults/test_disk_full.c - the storage disk full, for real: a
 * 64 KiB tmpfs is mounted over the image directory of one project of the
 * running test stack and filled; a generation for that project must
 * answer 507 insufficient_storage, leave no file (temporary or partial)
 * behind, and succeed again once space is freed. Where mounting is not
 * allowed (no CAP_SYS_ADMIN) the drill says so; the injected ENOSPC of
 * tests/unit/lib/storage/test_write.c covers that case.
 * Not here: the atomic write itself (lib/storage/write.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

#define PROJECT	"disk-full-drill"

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };
static char dir[1024];
static bool mounted;
static int mount_errno;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s", itest_var("storage/images/" PROJECT));
	mkdir(itest_var("storage"), 0755);
	mkdir(itest_var("storage/images"), 0755);
	mkdir(dir, 0755);
	mounted = mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755") == 0;
	mount_errno = mounted ? 0 : errno;
	itest_fault("gemini", "");
}

static void
teardown(void)
{
	if (mounted)
		umount2(dir, MNT_DETACH);
}

TestSuite(disk_full, .init = setup, .fini = teardown);

/* Fills the file system of dir until a write fails; leaves slack bytes. */
static void
fill(size_t slack)
{
	char path[1100], buf[1024];
	size_t total = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/filler", dir);
	cr_assert((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0);
	memset(buf, 'x', sizeof(buf));
	while ((n = write(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	cr_assert_eq(errno, ENOSPC);
	cr_assert_eq(ftruncate(fd, (off_t)(total - slack)), 0);
	close(fd);
}

/* Regular files under d other than the filler. */
static int
files_besides_filler(const char *d)
{
	char sub[2048];
	struct dirent *e;
	struct stat st;
	int n = 0;
	DIR *dp = opendir(d);

	if (dp == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0
		    || strcmp(e->d_name, "filler") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", d, e->d_name);
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			n += files_besides_filler(sub);
		else
			n++;
	}
	closedir(dp);
	return n;
}

static void
generate(struct itest_res *r)
{
	itest_project_make(PROJECT);
	itest_call(r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a quiet harbour at dawn\",\"provider\":\"gemini\",\"fallback\":"
	    "false,\"project_id\":\"" PROJECT "\"}", (size_t)-1);
}

Test(disk_full, answers_507_leaves_nothing_and_recovers, .timeout = 60)
{
	struct itest_res r;
	char path[1100];

	/* Not root, or no mount in a container: a skip, listed by make
	 * test (the injected ENOSPC unit test still covers the code). */
	if (!mounted)
		cr_skip_test("cannot mount a tmpfs over %s: %s", dir,
		    strerror(mount_errno));
	fill(4096);		/* a sandbox image is ~18 KB */
	generate(&r);
	cr_assert_eq(r.status, 507, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "insufficient_storage");
	cr_assert_eq(files_besides_filler(dir), 0, "a partial file was left");
	itest_res_fini(&r);
	snprintf(path, sizeof(path), "%s/filler", dir);
	cr_assert_eq(unlink(path), 0);
	generate(&r);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_eq(files_besides_filler(dir), 1);
	itest_res_fini(&r);
}
