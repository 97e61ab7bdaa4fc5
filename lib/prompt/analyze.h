/*
 * lib/prompt/analyze.h - prompt metrics: counts, readability (Flesch
 * reading ease, average words per sentence), a 0-100 complexity score
 * and the top keywords (stop words removed, style terms flagged).
 * Not here: the length rules (validate.c).
 */
#ifndef PROMPT_ANALYZE_H
#define PROMPT_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"

struct prompt_lexicon;

#define PROMPT_TOP_KEYWORDS	10
#define PROMPT_TERMS_MAX	32

struct prompt_keyword {
	char	word[48];	/* ASCII-lower-cased */
	int	count;
	bool	style;		/* a protected term */
};

struct prompt_analysis {
	size_t			chars;		/* code points */
	size_t			words;
	size_t			sentences;
	size_t			syllables;
	size_t			unique_words;	/* distinct, case-folded */
	double			avg_words_per_sentence;
	double			flesch;		/* reading ease */
	int			complexity;	/* 0..100, see analyze.c */
	struct prompt_keyword	top[PROMPT_TOP_KEYWORDS];
	size_t			ntop;
	const char		*terms[PROMPT_TERMS_MAX];	/* borrowed */
	size_t			nterms;		/* distinct protected terms */
};

/* Analyzes text (valid UTF-8) into out. ERR_NOMEM only. */
enum err	prompt_analyze(const struct prompt_lexicon *lex,
		    const char *text, struct prompt_analysis *out);
/* The analysis as a JSON object (new reference). */
json_t		*prompt_analysis_render(const struct prompt_analysis *a);
/* Syllables of one word by the heuristic documented in analyze.c. */
int		prompt_syllables(const char *w, size_t len);

#endif
