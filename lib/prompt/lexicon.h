/*
 * lib/prompt/lexicon.h - the word lists of lib/prompt/data/ (protected
 * terms, stop words, fillers) parsed once per worker, and the tokenizer
 * every prompt module shares: words are runs of letters, digits, bytes of
 * multi-byte characters, and inner ' - / . ; matching is on ASCII-lower-
 * cased words.
 * Not here: decisions about what to keep (compress.c, analyze.c).
 */
#ifndef PROMPT_LEXICON_H
#define PROMPT_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/core/err.h"

#define LEX_TERM_WORDS	4	/* longest multi-word term */

struct prompt_lexicon;

/* One word of a text: bytes [off, off+len). */
struct prompt_tok {
	uint32_t	off;
	uint32_t	len;
	uint64_t	hash;		/* of the lower-cased word */
};

/* Parses the embedded lists; caller frees with prompt_lexicon_free(). */
enum err	prompt_lexicon_load(struct prompt_lexicon **out);
void		prompt_lexicon_free(struct prompt_lexicon *lex);
/*
 * Splits text[0..len) into words; *out is malloc'd (caller frees), *n
 * its length. ERR_NOMEM only.
 */
enum err	prompt_tokenize(const char *text, size_t len,
		    struct prompt_tok **out, size_t *n);
/* Hash of a lower-cased word (FNV-1a over ASCII-lowered bytes). */
uint64_t	prompt_word_hash(const char *w, size_t len);
bool		prompt_is_stop(const struct prompt_lexicon *lex, uint64_t h);
bool		prompt_is_filler_word(const struct prompt_lexicon *lex,
		    uint64_t h);
/*
 * The protected term (index) or filler phrase starting at token i of
 * toks[0..n), with its length in words; -1 when none. The longest match
 * wins.
 */
int		prompt_term_at(const struct prompt_lexicon *lex,
		    const struct prompt_tok *toks, size_t n, size_t i,
		    int *words);
int		prompt_filler_at(const struct prompt_lexicon *lex,
		    const struct prompt_tok *toks, size_t n, size_t i,
		    int *words);
/* Text of protected term t ("golden hour"), borrowed. */
const char	*prompt_term_text(const struct prompt_lexicon *lex, int t);
size_t		prompt_term_count(const struct prompt_lexicon *lex);
/* Marks in seen[0..term_count) each protected term present in text. */
enum err	prompt_terms_find(const struct prompt_lexicon *lex,
		    const char *text, bool *seen);
/* Number of code points of valid UTF-8 s. */
size_t		prompt_chars(const char *s);
size_t		prompt_chars_n(const char *s, size_t len);

#endif
