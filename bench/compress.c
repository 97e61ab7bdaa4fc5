/*
 * bench/compress.c - make bench: the local compressor's time on a
 * realistic 10,000-character prompt (unique sentences, repeated ones,
 * style terms, fillers), median of RUNS runs on one core.
 * Prints "compress_10k_prompt_us <median>" lines for bench/run.sh.
 * Not here: pass/fail (benchmarks print figures).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"

#define RUNS	1000

static const char *const parts[] = {
	"A lone lighthouse keeper walks along the rocky shore at dusk",
	"waves crash against weathered stones covered in green moss",
	"seagulls circle above the old wooden pier",
	"oil painting, golden hour, volumetric lighting, highly detailed",
	"please make sure the sky is really very dramatic",
	"distant fishing boats with tiny warm lanterns drift on the water",
	"the keeper wears a heavy wool coat and carries a brass lantern",
	"85mm, shallow depth of field, bokeh, cinematic",
};

static char *
make_prompt(size_t chars)
{
	char *p = malloc(chars + 256), *o = p;
	unsigned i = 0;

	while ((size_t)(o - p) < chars - 120) {
		o += sprintf(o, "%s%s %u. ", parts[i % 8], i % 3 ? "," :
		    " and then", i % 97);
		i++;
	}
	*o = '\0';
	return p;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(void)
{
	static double us[RUNS];
	struct prompt_lexicon *lex;
	struct prompt_compressed c;
	char *p = make_prompt(10000);
	int64_t t0;
	int i;

	if (prompt_lexicon_load(&lex) != ERR_OK)
		return 1;
	for (i = 0; i < RUNS; i++) {
		t0 = time_mono_us();
		if (prompt_compress(lex, p, 3000, &c) != ERR_OK)
			return 1;
		us[i] = (double)(time_mono_us() - t0);
		if (i == 0)
			printf("compress_10k_input_chars %zu\ncompress_10k_"
			    "output_chars %zu\n", prompt_chars(p), c.chars);
		prompt_compressed_fini(&c);
	}
	qsort(us, RUNS, sizeof(us[0]), cmp_double);
	printf("compress_10k_prompt_us %.1f\ncompress_10k_p99_us %.1f\n"
	    "compress_10k_runs %d\n", us[RUNS / 2], us[RUNS * 99 / 100], RUNS);
	prompt_lexicon_free(lex);
	free(p);
	return 0;
}
