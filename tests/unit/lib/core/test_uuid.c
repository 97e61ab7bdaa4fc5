/*
 * tests/unit/lib/core/test_uuid.c - ids are version 4 UUIDs in lower-case
 * text, all different, also between a process and its fork (workers are
 * forked from one master), and uuid_check() takes only the UUID syntax.
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/uuid.h"

static int
cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

Test(uuid, version_4_lower_case_and_unique)
{
	static char v[2000][UUID_STRLEN + 1];
	size_t i;

	for (i = 0; i < 2000; i++) {
		uuid_make(v[i]);
		cr_assert(uuid_check(v[i]), "%s", v[i]);
		cr_assert_eq(strlen(v[i]), UUID_STRLEN);
		cr_assert_eq(v[i][14], '4', "%s", v[i]);
		cr_assert(strchr("89ab", v[i][19]) != NULL, "%s", v[i]);
		cr_assert_eq(strspn(v[i], "0123456789abcdef-"), UUID_STRLEN);
	}
	qsort(v, 2000, sizeof(v[0]), cmp);
	for (i = 1; i < 2000; i++)
		cr_assert_str_neq(v[i - 1], v[i]);
}

Test(uuid, a_fork_draws_other_ids)
{
	char mine[UUID_STRLEN + 1], theirs[UUID_STRLEN + 1] = "";
	int fd[2];
	pid_t child;

	uuid_make(mine);	/* the generator is seeded before the fork */
	cr_assert_eq(pipe(fd), 0);
	if ((child = fork()) == 0) {
		uuid_make(theirs);
		_exit(write(fd[1], theirs, UUID_STRLEN) == UUID_STRLEN ? 0 : 1);
	}
	uuid_make(mine);
	cr_assert_eq(read(fd[0], theirs, UUID_STRLEN), UUID_STRLEN);
	theirs[UUID_STRLEN] = '\0';
	waitpid(child, NULL, 0);
	cr_assert_str_neq(mine, theirs);
	close(fd[0]);
	close(fd[1]);
}

Test(uuid, check_takes_only_the_syntax)
{
	cr_assert(uuid_check("123e4567-e89b-12d3-a456-426614174000"));
	cr_assert_not(uuid_check("123e4567e89b12d3a456426614174000x"));
	cr_assert_not(uuid_check("not-a-uuid"));
	cr_assert_not(uuid_check(""));
	cr_assert_not(uuid_check(NULL));
}
