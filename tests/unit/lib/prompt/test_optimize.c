/*
 * tests/unit/lib/prompt/test_optimize.c - the optimizer without Ollama:
 * no client means the local compressor with "ollama_not_configured"; the
 * local method records no fallback; a forced local run records the
 * caller's reason (a batch's spent Ollama budget). Ollama's paths are
 * tested through nginx against the sandbox (tests/integration/test_prompt.c).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/prompt/lexicon.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"

static struct prompt_lexicon *lex;
static struct prompt_optimized o;
static char *text;

static void
setup(void)
{
	static const char unit[] = "A lighthouse on a cliff at dusk, oil "
	    "painting, golden hour, dramatic clouds. Waves break below. ";
	size_t i, u = strlen(unit);

	cr_assert_eq(prompt_lexicon_load(&lex), ERR_OK);
	text = malloc(40 * u + 1);
	for (i = 0; i < 40; i++)
		memcpy(text + i * u, unit, u);
	text[40 * u] = '\0';
}

static void
teardown(void)
{
	prompt_optimized_fini(&o);
	prompt_lexicon_free(lex);
	free(text);
}

TestSuite(optimize, .init = setup, .fini = teardown);

Test(optimize, no_client_falls_back_locally_and_says_why)
{
	cr_assert_eq(prompt_optimize(lex, NULL, text, 1000, PROMPT_METHOD_AUTO,
	    &o), ERR_OK);
	cr_assert_str_eq(o.method, "local");
	cr_assert_str_eq(o.fallback_reason, "ollama_not_configured");
	cr_assert_lt(o.optimized_length, 1000);
	cr_assert_eq(o.original_length, prompt_chars(text));
}

Test(optimize, local_method_is_no_fallback)
{
	cr_assert_eq(prompt_optimize(lex, NULL, text, 1000,
	    PROMPT_METHOD_LOCAL, &o), ERR_OK);
	cr_assert_str_eq(o.method, "local");
	cr_assert_null(o.fallback_reason);
}

Test(optimize, forced_local_keeps_the_reason_and_the_terms)
{
	json_t *v;
	size_t i;
	int golden = 0;

	cr_assert_eq(prompt_optimize_local_because(lex, text, 1000,
	    PROMPT_WHY_QUEUE, &o), ERR_OK);
	cr_assert_str_eq(o.method, "local");
	cr_assert_str_eq(o.fallback_reason, "queue_unavailable");
	cr_assert_lt(prompt_chars(o.text), 1000);
	json_array_foreach(o.preserved, i, v)
		golden |= strcmp(json_string_value(v), "golden hour") == 0;
	cr_assert(golden, "golden hour kept");
	cr_assert(strstr(o.text, "golden hour") != NULL);
}
