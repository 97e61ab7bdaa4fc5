/*
 * tests/unit/lib/prompt/test_optimize.c - the optimizer without Ollama:
 * no client means the local compressor with "ollama_not_configured"; the
 * local method records no fallback; a forced local run records the
 * caller's reason (a batch's spent Ollama budget); the runner's Ollama
 * call (start/end without the network): gpt-oss's think level and budget
 * in the body, a spent budget (done_reason "length") never used. The
 * calls are tested through nginx against the sandbox
 * (tests/integration/test_prompt.c).
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

/* The runner's call for text to under 1000 characters, ended by an answer
 * of Ollama (status 200, body). */
static void
call_end(const char *body)
{
	struct ollama ol = { .url = "http://127.0.0.1:1", .model =
	    "gpt-oss:20b" };
	struct prompt_opt_call c;
	struct http_response res = { .status = 200 };

	cr_assert_eq(prompt_optimize_start(&ol, text, 1000, 1000, &c), ERR_OK);
	res.body = strdup(body);
	res.len = strlen(body);
	cr_assert_eq(prompt_optimize_end(lex, &c, ERR_OK, "", &res, &o),
	    ERR_OK);
	free(res.body);
	prompt_opt_call_fini(&c);
}

Test(optimize, the_call_asks_for_low_reasoning_and_budgets_it)
{
	struct ollama ol = { .url = "http://127.0.0.1:1", .model =
	    "gpt-oss:20b" };
	struct prompt_opt_call c;
	json_t *b;

	cr_assert_eq(prompt_optimize_start(&ol, text, 1000, 1000, &c), ERR_OK);
	cr_assert_not_null(b = json_loads(c.body, 0, NULL));
	cr_assert_str_eq(json_string_value(json_object_get(b, "think")), "low");
	cr_assert_geq(json_integer_value(json_object_get(json_object_get(b,
	    "options"), "num_predict")), OLLAMA_THINK_TOKENS + 999 / 4);
	json_decref(b);
	prompt_opt_call_fini(&c);
}

Test(optimize, a_good_answer_is_used)
{
	call_end("{\"response\":\"A lighthouse on a cliff at dusk, oil "
	    "painting, golden hour, dramatic clouds. Waves break below.\","
	    "\"thinking\":\"Keep the terms.\",\"done\":true,"
	    "\"done_reason\":\"stop\"}");
	cr_assert_str_eq(o.method, "ollama");
	cr_assert_null(o.fallback_reason);
}

/* The reasoning spent the budget (nothing came back), or the answer was
 * cut (it may still look fine: short, every term kept): never used. */
Test(optimize, a_spent_budget_falls_back_with_length)
{
	static const char *const bodies[] = {
		"{\"response\":\"\",\"thinking\":\"We need to shorten\","
		"\"done\":true,\"done_reason\":\"length\",\"eval_count\":"
		"1358}",
		"{\"response\":\"A lighthouse on a cliff at dusk, oil "
		"painting, golden hour, dramatic clouds. Waves\",\"thinking\":"
		"\"Keep the terms.\",\"done\":true,\"done_reason\":"
		"\"length\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		call_end(bodies[i]);
		cr_assert_str_eq(o.method, "local", "%s", bodies[i]);
		cr_assert_str_eq(o.fallback_reason, "length", "%s", bodies[i]);
		prompt_optimized_fini(&o);
	}
}
