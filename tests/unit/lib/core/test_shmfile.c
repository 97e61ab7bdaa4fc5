/*
 * tests/unit/lib/core/test_shmfile.c - two mappings of one file share
 * their bytes; a file of another size comes back as zeroes of the right
 * size; init runs on every map; anonymous memory is shared with a child.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/shmfile.h"

static void
count_init(void *p, void *arg)
{
	(void)p;
	(*(int *)arg)++;
}

Test(shmfile, two_maps_of_a_file_share_bytes)
{
	char path[] = "/tmp/test_shmfile.XXXXXX", old[8192];
	int fd = mkstemp(path), inits = 0;
	char *a, *b;

	cr_assert_geq(fd, 0);
	memset(old, 'x', sizeof(old));	/* another size: emptied */
	cr_assert_eq(write(fd, old, sizeof(old)), (ssize_t)sizeof(old));
	close(fd);
	cr_assert_not_null(a = shmfile_map(path, 4096, count_init, &inits));
	cr_assert_eq(a[0], 0);
	cr_assert_not_null(b = shmfile_map(path, 4096, count_init, &inits));
	strcpy(a, "shared");
	cr_assert_str_eq(b, "shared");
	cr_assert_eq(inits, 2);
	shmfile_unmap(a, 4096);
	shmfile_unmap(b, 4096);
	unlink(path);
}

Test(shmfile, anonymous_memory_is_shared_with_a_child)
{
	int inits = 0, st;
	char *p = shmfile_map(NULL, 64, count_init, &inits);

	cr_assert_not_null(p);
	cr_assert_eq(inits, 1);
	if (fork() == 0) {
		strcpy(p, "child");
		_exit(0);
	}
	cr_assert_neq(wait(&st), -1);
	cr_assert_str_eq(p, "child");
	shmfile_unmap(p, 64);
}

Test(shmfile, an_unwritable_path_is_null)
{
	int inits = 0;

	cr_assert_null(shmfile_map("/nonexistent-dir/x", 64, count_init,
	    &inits));
	cr_assert_eq(inits, 0);
}

/* Another layout's size (a newer build started beside an older one): a
 * new file takes the path; whoever maps the old one keeps all of it (it
 * was truncated under them: SIGBUS past the new end). */
Test(shmfile, another_size_never_shrinks_a_live_mapping)
{
	char path[] = "/tmp/test_shmfile.XXXXXX";
	int fd = mkstemp(path), inits = 0;
	char *big, *small;
	struct stat st;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(big = shmfile_map(path, 16384, count_init, &inits));
	big[12000] = 'k';
	cr_assert_not_null(small = shmfile_map(path, 4096, count_init,
	    &inits));
	cr_assert_eq(big[12000], 'k', "the old mapping lost its bytes");
	big[12001] = 'w';	/* SIGBUS here when the file shrank */
	cr_assert_eq(small[0], 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, 4096);
	shmfile_unmap(big, 16384);
	shmfile_unmap(small, 4096);
	unlink(path);
}
