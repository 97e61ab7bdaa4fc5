/*
 * tests/unit/lib/ollama/test_ollama.c - the generate body (gpt-oss: a
 * think level, a budget for the reasoning and the answer) and the answer
 * parser over every real-shaped answer in tests/data/providers/ollama/
 * (file "<status>-<name>.json": the body Ollama sends with that status).
 * Not here: the calls themselves (tests/integration/test_prompt.c).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/ollama/ollama.h"
#include "tests/helpers/replay.h"

#define CORPUS	"tests/data/providers/ollama"

/* What the parser makes of each answer of the corpus: the error, how
 * why starts (NULL: not checked), the text (NULL: none). */
static const struct {
	const char	*file;
	enum err	 e;
	const char	*why;
	const char	*text;
} corpus[] = {
	{ "200-stop-thinking.json",	ERR_OK,	NULL,
	  "A red fox in snow by a frozen river, watercolor, golden hour, "
	  "85mm, bokeh, highly detailed." },
	{ "200-length-empty.json",	ERR_BAD_RESPONSE,	"length", NULL },
	{ "200-length-cut.json",	ERR_BAD_RESPONSE,	"length", NULL },
	{ "400-think-invalid.json",	ERR_BAD_RESPONSE,
	  "Ollama answered HTTP 400", NULL },
	{ "404-model-not-found.json",	ERR_PROVIDER_INVALID,
	  "model_missing", NULL },
	{ "500-runner-terminated.json",	ERR_PROVIDER_UNAVAILABLE,
	  "Ollama answered HTTP 500", NULL },
};

#define NCORPUS	(sizeof(corpus) / sizeof(corpus[0]))

static size_t
corpus_find(const char *file)
{
	size_t i;

	for (i = 0; i < NCORPUS; i++)
		if (strcmp(corpus[i].file, file) == 0)
			return i;
	return NCORPUS;
}

Test(ollama_reply, parses_every_answer_of_the_corpus)
{
	struct http_response res;
	struct dirent *d;
	DIR *dir = opendir(CORPUS);
	char why[256], *out;
	size_t i, seen = 0;
	enum err e;

	cr_assert_not_null(dir);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		i = corpus_find(d->d_name);
		cr_assert_lt(i, NCORPUS, "%s has no expectation", d->d_name);
		memset(&res, 0, sizeof(res));
		res.status = strtol(d->d_name, NULL, 10);
		res.body = replay_file_load(CORPUS, d->d_name, &res.len);
		why[0] = '\0';
		e = ollama_generate_reply(&res, &out, why, sizeof(why));
		cr_expect_eq(e, corpus[i].e, "%s: err %d, why %s", d->d_name,
		    e, why);
		if (corpus[i].why)
			cr_expect_eq(strncmp(why, corpus[i].why,
			    strlen(corpus[i].why)), 0, "%s: why %s", d->d_name,
			    why);
		if (corpus[i].text)
			cr_expect_str_eq(out ? out : "", corpus[i].text,
			    "%s: the response, never the thinking", d->d_name);
		else
			cr_expect_null(out, "%s: no text", d->d_name);
		free(out);
		free(res.body);
		seen++;
	}
	closedir(dir);
	cr_assert_eq(seen, NCORPUS, "every expectation has its file");
}

static json_t *
body_get(long answer_chars)
{
	struct ollama o = { .url = "http://127.0.0.1:1", .model =
	    "gpt-oss:20b" };
	char *text = ollama_generate_body(&o, "Shorten: x", 0.2, answer_chars);
	json_t *b;

	cr_assert_not_null(text);
	b = json_loads(text, 0, NULL);
	free(text);
	cr_assert_not_null(b);
	return b;
}

Test(ollama_body, asks_gpt_oss_to_reason_at_the_low_level)
{
	json_t *b = body_get(2999);

	cr_assert_str_eq(json_string_value(json_object_get(b, "think")), "low");
	cr_assert(json_is_false(json_object_get(b, "stream")));
	json_decref(b);
}

/* num_predict covers the reasoning and an answer of 2,999 characters at
 * 4 a token, with the room the answer alone would not leave. */
Test(ollama_body, budgets_the_reasoning_and_the_answer)
{
	json_t *b = body_get(2999);
	json_int_t n = json_integer_value(json_object_get(json_object_get(b,
	    "options"), "num_predict"));

	cr_assert_geq(n, OLLAMA_THINK_TOKENS + 2999 / 4, "num_predict %lld",
	    (long long)n);
	cr_assert_geq(OLLAMA_THINK_TOKENS, 768, "room for reasoning at low");
	cr_assert_eq(n, ollama_budget_tokens(2999));
	json_decref(b);
}
