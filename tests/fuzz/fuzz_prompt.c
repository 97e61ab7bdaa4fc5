/*
 * tests/fuzz/fuzz_prompt.c - libFuzzer driver: arbitrary text through the
 * prompt rules, the analyzer and the compressor; the compressor's output
 * must be under its target and valid UTF-8.
 * Not here: Ollama.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/prompt/analyze.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"
#include "lib/prompt/validate.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct prompt_lexicon *lex;
	static const struct prompt_limits lim = { 10000, 3000, 3000 };
	struct prompt_check c;
	struct prompt_analysis a;
	struct prompt_compressed z;
	char why[256];
	size_t target = 16 + size % 200;

	if (lex == NULL && prompt_lexicon_load(&lex) != ERR_OK)
		abort();
	if (prompt_validate((const char *)data, size, &lim, &c, why,
	    sizeof(why)) == ERR_OK) {
		(void)prompt_analyze(lex, c.normalized, &a);
		if (prompt_compress(lex, c.normalized, target, &z) == ERR_OK) {
			if (z.chars >= target || prompt_utf8_check(z.text,
			    strlen(z.text)) != strlen(z.text))
				abort();
			prompt_compressed_fini(&z);
		}
	}
	prompt_check_fini(&c);
	return 0;
}
