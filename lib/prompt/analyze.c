/*
 * lib/prompt/analyze.c - metrics of a prompt.
 *
 * Syllables (for Flesch): in the ASCII letters of a word, each run of
 * vowels (a e i o u y) is one syllable; a final "e" (but not "le") is
 * silent when the word has another vowel run; a word with no vowel run
 * (digits, "rhythm"-less abbreviations, non-Latin script) counts one.
 *
 * Flesch reading ease = 206.835 - 1.015 x (words / sentences)
 *                               - 84.6 x (syllables / words).
 * A sentence ends at . ! or ? (commas do not end one); a text with words
 * but no terminator is one sentence.
 *
 * Complexity (0-100), the sum of five parts, rounded:
 *   length       30 x min(words / 200, 1)
 *   diversity    20 x distinct content words / content words
 *   sentences    20 x min(average words per sentence / 25, 1)
 *   descriptors  20 x min(distinct protected terms / 8, 1)
 *   readability  10 x (1 - Flesch clamped to 0..100 / 100)
 * Content words are words that are not stop words.
 *
 * Not here: the rules (validate.c), the word lists (lexicon.c).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/lexicon.h"

int
prompt_syllables(const char *w, size_t len)
{
	int n = 0, in_vowel = 0;
	size_t i;
	char c;

	for (i = 0; i < len; i++) {
		c = (char)tolower((unsigned char)w[i]);
		if (strchr("aeiouy", c) != NULL && c != '\0') {
			n += !in_vowel;
			in_vowel = 1;
		} else
			in_vowel = 0;
	}
	if (n > 1 && len >= 2 && tolower((unsigned char)w[len - 1]) == 'e' &&
	    tolower((unsigned char)w[len - 2]) != 'l' &&
	    strchr("aeiouy", tolower((unsigned char)w[len - 2])) == NULL)
		n--;
	return n > 0 ? n : 1;
}

static size_t
count_sentences(const char *t, const struct prompt_tok *toks, size_t n)
{
	size_t i, s = 0;
	int open = 0;

	for (i = 0; i < n; i++) {
		const char *end = i + 1 < n ? t + toks[i + 1].off : t + strlen(t);
		const char *p = t + toks[i].off + toks[i].len;

		open = 1;
		for (; p < end; p++)
			if (*p == '.' || *p == '!' || *p == '?') {
				s++;
				open = 0;
				break;
			}
	}
	return s + (size_t)open;
}

struct kw {
	uint64_t	hash;
	size_t		first;		/* token index */
	int		count;
};

static int
cmp_kw_hash(const void *a, const void *b)
{
	const struct kw *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int
cmp_kw_rank(const void *a, const void *b)
{
	const struct kw *x = a, *y = b;

	if (x->count != y->count)
		return y->count - x->count;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void
keyword_set(struct prompt_keyword *k, const char *t,
    const struct prompt_tok *tok, int count, bool style)
{
	size_t i, n = MIN(tok->len, sizeof(k->word) - 1);

	while (n > 0 && ((unsigned char)t[tok->off + n] & 0xc0) == 0x80)
		n--;		/* never cut inside a character */
	for (i = 0; i < n; i++)
		k->word[i] = (char)tolower((unsigned char)t[tok->off + i]);
	k->word[n] = '\0';
	k->count = count;
	k->style = style;
}

/* Ranks content words; sets unique_words and the top list. */
static enum err
rank_keywords(const struct prompt_lexicon *lex, const char *t,
    const struct prompt_tok *toks, size_t n, struct prompt_analysis *a)
{
	struct kw *v = malloc((n + 1) * sizeof(*v));
	size_t i, m = 0, g = 0;
	int w;

	if (v == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++)
		if (toks[i].len >= 3 && !prompt_is_stop(lex, toks[i].hash))
			v[m++] = (struct kw){ toks[i].hash, i, 1 };
	qsort(v, m, sizeof(*v), cmp_kw_hash);
	for (i = 0; i < m; i++) {
		if (g > 0 && v[g - 1].hash == v[i].hash)
			v[g - 1].count++;
		else
			v[g++] = v[i];
	}
	a->unique_words = g;
	qsort(v, g, sizeof(*v), cmp_kw_rank);
	for (i = 0; i < g && a->ntop < PROMPT_TOP_KEYWORDS; i++, a->ntop++)
		keyword_set(&a->top[a->ntop], t, &toks[v[i].first], v[i].count,
		    prompt_term_at(lex, &toks[v[i].first], 1, 0, &w) >= 0);
	free(v);
	return ERR_OK;
}

static enum err
find_terms(const struct prompt_lexicon *lex, const struct prompt_tok *toks,
    size_t n, struct prompt_analysis *a)
{
	bool *seen = calloc(prompt_term_count(lex) + 1, sizeof(bool));
	size_t i;
	int t, w;

	if (seen == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((t = prompt_term_at(lex, toks, n, i, &w)) < 0 || seen[t])
			continue;
		seen[t] = true;
		if (a->nterms < PROMPT_TERMS_MAX)
			a->terms[a->nterms] = prompt_term_text(lex, t);
		a->nterms++;
	}
	free(seen);
	return ERR_OK;
}

static int
complexity(const struct prompt_analysis *a, size_t content)
{
	double flesch = MAX(0.0, MIN(a->flesch, 100.0)), s;

	s = 30.0 * MIN((double)a->words / 200.0, 1.0);
	s += content ? 20.0 * (double)a->unique_words / (double)content : 0;
	s += 20.0 * MIN(a->avg_words_per_sentence / 25.0, 1.0);
	s += 20.0 * MIN((double)a->nterms / 8.0, 1.0);
	s += a->words ? 10.0 * (1.0 - flesch / 100.0) : 0;
	return (int)lround(MAX(0.0, MIN(s, 100.0)));
}

enum err
prompt_analyze(const struct prompt_lexicon *lex, const char *text,
    struct prompt_analysis *a)
{
	struct prompt_tok *toks = NULL;
	size_t n, i, content = 0;
	enum err e;

	memset(a, 0, sizeof(*a));
	if ((e = prompt_tokenize(text, strlen(text), &toks, &n)) != ERR_OK)
		return e;
	a->chars = prompt_chars(text);
	a->words = n;
	for (i = 0; i < n; i++) {
		a->syllables += (size_t)prompt_syllables(text + toks[i].off,
		    toks[i].len);
		content += toks[i].len >= 3 && !prompt_is_stop(lex,
		    toks[i].hash);
	}
	a->sentences = n ? count_sentences(text, toks, n) : 0;
	if (n > 0) {
		a->avg_words_per_sentence = (double)n / (double)a->sentences;
		a->flesch = 206.835 - 1.015 * a->avg_words_per_sentence -
		    84.6 * (double)a->syllables / (double)n;
	}
	if ((e = rank_keywords(lex, text, toks, n, a)) == ERR_OK &&
	    (e = find_terms(lex, toks, n, a)) == ERR_OK)
		a->complexity = complexity(a, content);
	free(toks);
	return e;
}

json_t *
prompt_analysis_render(const struct prompt_analysis *a)
{
	json_t *kw = json_array(), *terms = json_array();
	size_t i;

	for (i = 0; i < a->ntop; i++)
		json_array_append_new(kw, json_pack("{s:s,s:i,s:b}", "word",
		    a->top[i].word, "count", a->top[i].count, "style",
		    a->top[i].style));
	for (i = 0; i < MIN(a->nterms, (size_t)PROMPT_TERMS_MAX); i++)
		json_array_append_new(terms, json_string(a->terms[i]));
	return json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:i,s:o,s:o}",
	    "characters", (json_int_t)a->chars, "words", (json_int_t)a->words,
	    "sentences", (json_int_t)a->sentences,
	    "unique_words", (json_int_t)a->unique_words,
	    "avg_words_per_sentence", round(a->avg_words_per_sentence * 100) /
	    100, "flesch_reading_ease", round(a->flesch * 100) / 100,
	    "complexity", a->complexity, "keywords", kw, "style_terms", terms);
}
