/*
 * tests/unit/lib/config/test_dotenv.c - .env syntax.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/config/dotenv.h"

static struct dotenv env;
static char why[256];

static void
teardown(void)
{
	dotenv_fini(&env);
}

TestSuite(dotenv, .fini = teardown);

Test(dotenv, plain_pairs_comments_and_blank_lines)
{
	cr_assert_eq(dotenv_parse("# c\n\nA=1\nB = two words  # note\n"
	    "export C=x\r\n", &env, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_eq(env.n, 3);
	cr_assert_str_eq(dotenv_get(&env, "A"), "1");
	cr_assert_str_eq(dotenv_get(&env, "B"), "two words");
	cr_assert_str_eq(dotenv_get(&env, "C"), "x");
	cr_assert_eq(env.pairs[1].line, 4);
}

Test(dotenv, quotes)
{
	cr_assert_eq(dotenv_parse("A=\"a # b\\n\\\"q\\\"\"\nB='x\\ny # z'\n"
	    "C=\"\"\n", &env, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_str_eq(dotenv_get(&env, "A"), "a # b\n\"q\"");
	cr_assert_str_eq(dotenv_get(&env, "B"), "x\\ny # z");
	cr_assert_str_eq(dotenv_get(&env, "C"), "");
}

/* KEY=abc#def was cut to "abc": a '#' starts a comment only after a
 * space or tab (as docker compose and python-dotenv read it). */
Test(dotenv, hash_inside_an_unquoted_value_is_kept)
{
	cr_assert_eq(dotenv_parse("A=abc#def\nB=p#ss word#1 # note\n"
	    "C= # only a note\nD=#x\nE=x\t#tab note\n", &env, why,
	    sizeof(why)), ERR_OK, "%s", why);
	cr_assert_str_eq(dotenv_get(&env, "A"), "abc#def");
	cr_assert_str_eq(dotenv_get(&env, "B"), "p#ss word#1");
	cr_assert_str_eq(dotenv_get(&env, "C"), "");
	cr_assert_str_eq(dotenv_get(&env, "D"), "#x");
	cr_assert_str_eq(dotenv_get(&env, "E"), "x");
}

Test(dotenv, last_assignment_wins)
{
	cr_assert_eq(dotenv_parse("A=1\nA=2\n", &env, why, sizeof(why)),
	    ERR_OK);
	cr_assert_str_eq(dotenv_get(&env, "A"), "2");
	cr_assert_null(dotenv_get(&env, "B"));
}

Test(dotenv, malformed_lines_name_the_line)
{
	cr_assert_eq(dotenv_parse("A=1\nnot an assignment\n", &env, why,
	    sizeof(why)), ERR_INVALID_FIELD);
	cr_assert(strstr(why, "line 2") != NULL, "%s", why);
	cr_assert_eq(dotenv_parse("A=\"open\n", &env, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert(strstr(why, "unterminated") != NULL, "%s", why);
	cr_assert_eq(dotenv_parse("1A=x\n", &env, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_eq(dotenv_parse("A='x' y\n", &env, why, sizeof(why)),
	    ERR_INVALID_FIELD);
}

Test(dotenv, missing_file_is_empty)
{
	cr_assert_eq(dotenv_load("/nonexistent/.env", &env, why,
	    sizeof(why)), ERR_OK);
	cr_assert_eq(env.n, 0);
}
