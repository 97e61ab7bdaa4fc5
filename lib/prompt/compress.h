/*
 * lib/prompt/compress.h - the local compressor: no LLM, deterministic,
 * always available. Drops duplicate sentences and phrases, filler words
 * and repeated modifiers, then the least important sentences and phrases
 * until the text is under the target; protected terms (style, medium,
 * lighting, camera, quality) are kept, re-appended if their phrase had
 * to go.
 * Not here: the choice between Ollama and this (optimize.c).
 */
#ifndef PROMPT_COMPRESS_H
#define PROMPT_COMPRESS_H

#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"

struct prompt_lexicon;

struct prompt_compressed {
	char	*text;		/* malloc'd, chars < target */
	size_t	 chars;
	json_t	*kept;		/* array of the protected terms kept */
};

/*
 * Compresses text (valid UTF-8, whitespace-normalized) to fewer than
 * target characters (target >= 16). Text already under it comes back
 * unchanged but for the steps that never lose content (duplicates,
 * fillers). ERR_NOMEM only. Caller frees with prompt_compressed_fini().
 */
enum err	prompt_compress(const struct prompt_lexicon *lex,
		    const char *text, size_t target,
		    struct prompt_compressed *out);
void		prompt_compressed_fini(struct prompt_compressed *c);
/*
 * The protected terms of orig missing from cand, as "a, b" in list;
 * returns how many.
 */
size_t		prompt_keywords_lost(const struct prompt_lexicon *lex,
		    const char *orig, const char *cand, char *list,
		    size_t listlen);
/* A JSON array of the protected terms present in text (new reference). */
json_t		*prompt_keywords_present(const struct prompt_lexicon *lex,
		    const char *text);

#endif
