/*
 * tests/unit/lib/prompt/test_compress.c - the local compressor: under the
 * target, protected terms kept, duplicates and fillers gone,
 * deterministic, multibyte safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"

static struct prompt_lexicon *lex;
static struct prompt_compressed c;

static void
setup(void)
{
	cr_assert_eq(prompt_lexicon_load(&lex), ERR_OK);
}

static void
teardown(void)
{
	prompt_compressed_fini(&c);
	prompt_lexicon_free(lex);
}

TestSuite(compress, .init = setup, .fini = teardown);

/* A long prompt: a subject, style terms, and a lot of repetition and
 * rambling, n sentences of filler detail. */
static char *
long_prompt(int n, const char *word)
{
	static const char *const head = "A red fox sitting in fresh snow at "
	    "the edge of a pine forest, watercolor, golden hour, 85mm, bokeh, "
	    "highly detailed. ";
	size_t cap = strlen(head) + (size_t)n * 160 + 64;
	char *p = malloc(cap), *o = p;
	int i;

	o += sprintf(o, "%s", head);
	for (i = 0; i < n; i++)
		o += sprintf(o, "The %s number %d stands quietly near tree %d "
		    "while small flakes of %s drift down over the hills. ",
		    word, i % 37, i % 11, word);
	o += sprintf(o, "Please make sure it is really very very beautiful.");
	return p;
}

Test(compress, short_text_is_kept_whole_but_fillers)
{
	cr_assert_eq(prompt_compress(lex, "a cat on a mat, oil painting",
	    3000, &c), ERR_OK);
	cr_assert_str_eq(c.text, "a cat on a mat, oil painting");
	prompt_compressed_fini(&c);
	cr_assert_eq(prompt_compress(lex, "please draw a very very cute cat",
	    3000, &c), ERR_OK);
	cr_assert_str_eq(c.text, "a cute cat");
}

Test(compress, duplicate_sentences_and_phrases_go)
{
	cr_assert_eq(prompt_compress(lex, "A castle on a hill. A castle on a "
	    "hill. Storm clouds, lightning, storm clouds.", 3000, &c), ERR_OK);
	cr_assert_str_eq(c.text, "A castle on a hill. Storm clouds, "
	    "lightning.");
}

Test(compress, long_text_goes_under_target_with_terms_kept)
{
	char *p = long_prompt(80, "snow");
	json_t *kept;
	size_t i;
	static const char *const terms[] = { "watercolor", "golden hour",
	    "85mm", "bokeh", "highly detailed" };

	cr_assert_gt(prompt_chars(p), 3000);
	cr_assert_eq(prompt_compress(lex, p, 3000, &c), ERR_OK);
	cr_assert_lt(c.chars, 3000);
	cr_assert_eq(c.chars, prompt_chars(c.text));
	cr_assert(strncmp(c.text, "A red fox sitting", 17) == 0, "%s", c.text);
	kept = c.kept;
	for (i = 0; i < sizeof(terms) / sizeof(terms[0]); i++) {
		size_t k;
		int found = 0;
		json_t *v;

		json_array_foreach(kept, k, v)
			found |= strcmp(json_string_value(v), terms[i]) == 0;
		cr_assert(found, "lost %s", terms[i]);
		cr_assert(strstr(c.text, terms[i]) != NULL, "%s", terms[i]);
	}
	free(p);
}

Test(compress, terms_in_dropped_sentences_are_appended)
{
	const char *p = "A lighthouse on a cliff. The sea below is calm and "
	    "wide and grey and endless and quiet and cold, chiaroscuro. "
	    "Waves, rocks, seagulls and more rocks and foam and spray.";
	char lost[256];

	cr_assert_eq(prompt_compress(lex, p, 40, &c), ERR_OK);
	cr_assert_lt(c.chars, 40, "%s", c.text);
	cr_assert_eq(prompt_keywords_lost(lex, p, c.text, lost, sizeof(lost)),
	    0, "lost %s in \"%s\"", lost, c.text);
}

Test(compress, deterministic)
{
	char *p = long_prompt(100, "rain");
	struct prompt_compressed d;

	cr_assert_eq(prompt_compress(lex, p, 2000, &c), ERR_OK);
	cr_assert_eq(prompt_compress(lex, p, 2000, &d), ERR_OK);
	cr_assert_str_eq(c.text, d.text);
	prompt_compressed_fini(&d);
	free(p);
}

Test(compress, multibyte_text_is_never_cut_inside_a_character)
{
	char *p = long_prompt(120, "雪の結晶");
	size_t n;

	cr_assert_eq(prompt_compress(lex, p, 1000, &c), ERR_OK);
	cr_assert_lt(c.chars, 1000);
	n = strlen(c.text);
	cr_assert_eq(prompt_chars_n(c.text, n), c.chars);
	cr_assert(((unsigned char)c.text[n - 1] & 0xc0) != 0xc0);
	free(p);
}

Test(compress, one_giant_sentence_is_cut_at_a_word)
{
	char *p = malloc(20000), *o = p;
	int i;

	o += sprintf(o, "portrait of an astronaut, cinematic");
	for (i = 0; i < 1500; i++)
		o += sprintf(o, " word%d", i);
	cr_assert_eq(prompt_compress(lex, p, 500, &c), ERR_OK);
	cr_assert_lt(c.chars, 500);
	cr_assert(strstr(c.text, "cinematic") != NULL, "%s", c.text);
	cr_assert(strstr(c.text, "portrait") != NULL);
	free(p);
}

Test(compress, keywords_lost_lists_them)
{
	char list[128];

	cr_assert_eq(prompt_keywords_lost(lex, "a fox, watercolor, golden "
	    "hour, bokeh", "a fox, bokeh", list, sizeof(list)), 2);
	cr_assert_str_eq(list, "watercolor, golden hour");
}

/* Found by tests/fuzz/fuzz_prompt.c: more phrases than half the bytes. */
Test(compress, only_separators)
{
	cr_assert_eq(prompt_compress(lex, ",,,,,,,,,,;;;;;,,,", 16, &c), ERR_OK);
	cr_assert_lt(c.chars, 16);
}
