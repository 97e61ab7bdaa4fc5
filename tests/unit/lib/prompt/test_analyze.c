/*
 * tests/unit/lib/prompt/test_analyze.c - metrics on texts computed by
 * hand (the arithmetic is in each test).
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/prompt/analyze.h"
#include "lib/prompt/lexicon.h"

static struct prompt_lexicon *lex;
static struct prompt_analysis a;

static void setup(void) { cr_assert_eq(prompt_lexicon_load(&lex), ERR_OK); }
static void teardown(void) { prompt_lexicon_free(lex); }

TestSuite(analyze, .init = setup, .fini = teardown);

/*
 * "A red fox sits in the snow." 7 words, 1 sentence, 7 syllables.
 * Flesch = 206.835 - 1.015 x 7 - 84.6 x 7/7 = 115.13.
 * Content words: red fox sits snow (4, all distinct).
 * Complexity = 30 x 7/200 (1.05) + 20 x 4/4 (20) + 20 x 7/25 (5.6)
 *            + 20 x 0/8 (0) + 10 x (1 - 100/100) (0) = 26.65 -> 27.
 */
Test(analyze, simple_sentence)
{
	cr_assert_eq(prompt_analyze(lex, "A red fox sits in the snow.", &a),
	    ERR_OK);
	cr_assert_eq(a.words, 7);
	cr_assert_eq(a.sentences, 1);
	cr_assert_eq(a.syllables, 7);
	cr_assert_eq(a.chars, 27);
	cr_assert_float_eq(a.flesch, 115.13, 0.001);
	cr_assert_float_eq(a.avg_words_per_sentence, 7.0, 1e-9);
	cr_assert_eq(a.unique_words, 4);
	cr_assert_eq(a.complexity, 27);
	cr_assert_eq(a.ntop, 4);
	cr_assert_str_eq(a.top[0].word, "red");
	cr_assert_str_eq(a.top[3].word, "snow");
	cr_assert_eq(a.nterms, 0);
}

/*
 * "Watercolor fox. Golden hour light, golden hour glow!"
 * 8 words, 2 sentences; syllables wa-ter-co-lor 4, fox 1, gol-den 2,
 * hour 1, light 1, golden 2, hour 1, glow 1 = 13.
 * Flesch = 206.835 - 1.015 x 4 - 84.6 x 13/8 = 65.3.
 * Content 8, distinct 6; terms: watercolor, golden hour (2).
 * Complexity = 1.2 + 20 x 6/8 (15) + 20 x 4/25 (3.2) + 20 x 2/8 (5)
 *            + 10 x (1 - 0.653) (3.47) = 27.87 -> 28.
 */
Test(analyze, style_terms_and_ranking)
{
	cr_assert_eq(prompt_analyze(lex, "Watercolor fox. Golden hour light, "
	    "golden hour glow!", &a), ERR_OK);
	cr_assert_eq(a.words, 8);
	cr_assert_eq(a.sentences, 2);
	cr_assert_eq(a.syllables, 13);
	cr_assert_float_eq(a.flesch, 65.3, 0.001);
	cr_assert_eq(a.unique_words, 6);
	cr_assert_eq(a.nterms, 2);
	cr_assert_str_eq(a.terms[0], "watercolor");
	cr_assert_str_eq(a.terms[1], "golden hour");
	cr_assert_eq(a.complexity, 28);
	cr_assert_str_eq(a.top[0].word, "golden");
	cr_assert_eq(a.top[0].count, 2);
	cr_assert_str_eq(a.top[1].word, "hour");
	cr_assert_str_eq(a.top[2].word, "watercolor");
	cr_assert(a.top[2].style);
	cr_assert_not(a.top[0].style);
}

Test(analyze, syllable_heuristic)
{
	cr_assert_eq(prompt_syllables("table", 5), 2, "final -le counts");
	cr_assert_eq(prompt_syllables("stone", 5), 1, "silent final e");
	cr_assert_eq(prompt_syllables("the", 3), 1);
	cr_assert_eq(prompt_syllables("8k", 2), 1);
	cr_assert_eq(prompt_syllables("beautiful", 9), 3);
}

Test(analyze, multibyte_counts_characters)
{
	cr_assert_eq(prompt_analyze(lex, "雪の狐 in snow", &a), ERR_OK);
	cr_assert_eq(a.chars, 11);
	cr_assert_eq(a.words, 3);
}

Test(analyze, empty_text)
{
	cr_assert_eq(prompt_analyze(lex, "", &a), ERR_OK);
	cr_assert_eq(a.words, 0);
	cr_assert_eq(a.sentences, 0);
	cr_assert_eq(a.complexity, 0);
}

Test(analyze, render_has_every_field)
{
	json_t *j;

	cr_assert_eq(prompt_analyze(lex, "A fox, bokeh.", &a), ERR_OK);
	j = prompt_analysis_render(&a);
	cr_assert_not_null(json_object_get(j, "flesch_reading_ease"));
	cr_assert_not_null(json_object_get(j, "avg_words_per_sentence"));
	cr_assert_eq(json_integer_value(json_object_get(j, "words")), 3);
	cr_assert_eq(json_array_size(json_object_get(j, "style_terms")), 1);
	json_decref(j);
}
