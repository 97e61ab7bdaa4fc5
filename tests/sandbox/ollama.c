/*
 * tests/sandbox/ollama.c - Ollama (shared/providers/ollama.md):
 * /api/generate and /api/chat (non-streaming) answer a plausible shorter
 * prompt: the text between "<<<PROMPT" and "PROMPT>>>" with repeated
 * sentences removed, cut at a sentence end under "TARGET: n"; /api/tags,
 * /api/version. As gpt-oss: it always reasons ("thinking" beside the
 * answer), "think" is "low" | "medium" | "high" or a boolean (ignored:
 * the default level) and anything else a 400 with Ollama's own message;
 * the reasoning (think_costs[]) and the answer (4 bytes a token) count
 * against options.num_predict, and a spent budget ends the answer there:
 * done_reason "length", the response empty or cut.
 * Faults: missing_model, nonsense, think_tokens (reasoning costs that
 * many tokens), plus the common ones.
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

#define MODEL		"gpt-oss:20b"
#define BYTES_PER_TOKEN	4
#define THINKING	"The user wants the prompt shorter than the target, " \
			"keeping the style terms. Drop the repeated sentences."

/* What gpt-oss's reasoning costs at each level, in tokens; the first row
 * is its default (no think, true or false). */
static const struct { const char *level; long tokens; } think_costs[] = {
	{ "medium",	2048 },
	{ "low",	384 },
	{ "high",	6144 },
};

/* The reasoning's cost for the request's "think", or -1 and Ollama
 * 0.12's 400 message in err. */
static long
think_cost(const json_t *think, const struct sb_faults *f, char *err,
    size_t len)
{
	const char *s = json_string_value(think);
	size_t i;

	if (think != NULL && !json_is_null(think) && !json_is_boolean(think) &&
	    s == NULL) {
		snprintf(err, len, "think must be a boolean or string "
		    "(\"high\", \"medium\", \"low\", true, or false)");
		return -1;
	}
	for (i = 0; s != NULL && i < sizeof(think_costs) /
	    sizeof(think_costs[0]); i++)
		if (strcmp(s, think_costs[i].level) == 0)
			break;
	if (s != NULL && i == sizeof(think_costs) / sizeof(think_costs[0])) {
		snprintf(err, len, "invalid think value: \"%.64s\" (must be "
		    "\"high\", \"medium\", \"low\", true, or false)", s);
		return -1;
	}
	if (f->think_tokens > 0)
		return f->think_tokens;
	return think_costs[s ? i : 0].tokens;
}

/* The reasoning and the answer against num_predict (<= 0: no cap): text
 * is cut (at a character) where the budget ends; *used the tokens spent.
 * Returns done_reason. */
static const char *
budget_spend(const json_t *rq, long cost, char *text, long *used)
{
	long cap = (long)json_integer_value(json_object_get(json_object_get(
	    rq, "options"), "num_predict"));
	size_t n = strlen(text), keep;
	long need = cost + (long)((n + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN);

	*used = need;
	if (cap <= 0 || need <= cap)
		return "stop";
	*used = cap;
	keep = cost >= cap ? 0 : (size_t)(cap - cost) * BYTES_PER_TOKEN;
	while (keep > 0 && keep < n && (text[keep] & 0xC0) == 0x80)
		keep--;
	if (keep < n)
		text[keep] = '\0';
	return "length";
}

/* The user prompt inside the template, and the target (default 2000). */
static char *
inner_prompt(const char *p, long *target)
{
	const char *a = strstr(p, "<<<PROMPT\n"), *b = strstr(p,
	    "\nPROMPT>>>"), *t = strstr(p, "TARGET: ");

	*target = t ? strtol(t + 8, NULL, 10) : 2000;
	if (*target <= 0)
		*target = 2000;
	if (a && b && b > a) {
		a += strlen("<<<PROMPT");
		while (*a == '\n')
			a++;
		return strndup(a, (size_t)(b - a));
	}
	return strdup(p);
}

/* Sentences ("... ." units) once each, in order, under target bytes. */
static char *
shorten(const char *text, long target)
{
	char *copy = strdup(text), *out = calloc(1, strlen(text) + 2), *s,
	    *save = NULL;
	size_t len = 0;

	for (s = strtok_r(copy, ".", &save); s; s = strtok_r(NULL, ".", &save)) {
		while (*s == ' ' || *s == '\n')
			s++;
		if (*s == '\0' || strstr(out, s) != NULL)
			continue;
		if ((long)(len + strlen(s) + 2) >= target)
			break;
		len += (size_t)sprintf(out + len, "%s%s.", len ? " " : "", s);
	}
	free(copy);
	return out;
}

static void
answer(const struct sb_req *rq, const struct sb_faults *f, bool chat,
    struct sb_resp *rs)
{
	const char *model = json_string_value(json_object_get(rq->json,
	    "model")), *prompt, *done;
	char *inner, *text, err[160];
	long target, cost, used;
	json_t *msgs = json_object_get(rq->json, "messages");

	prompt = chat ? json_string_value(json_object_get(json_array_get(msgs,
	    json_array_size(msgs) - 1), "content")) :
	    json_string_value(json_object_get(rq->json, "prompt"));
	if (model == NULL || f->missing_model || strcmp(model, MODEL) != 0) {
		char msg[160];

		snprintf(msg, sizeof(msg), "model '%s' not found",
		    model ? model : "");
		return sb_json(rs, 404, json_pack("{s:s}", "error", msg));
	}
	if (prompt == NULL)
		return sb_json(rs, 400, json_pack("{s:s}", "error",
		    "prompt is required"));
	if ((cost = think_cost(json_object_get(rq->json, "think"), f, err,
	    sizeof(err))) < 0)
		return sb_json(rs, 400, json_pack("{s:s}", "error", err));
	inner = inner_prompt(prompt, &target);
	text = f->nonsense ? strdup("Lorem ipsum dolor sit amet, the "
	    "quick brown fox.") : shorten(inner, target);
	done = budget_spend(rq->json, cost, text, &used);
	if (chat)
		sb_json(rs, 200, json_pack("{s:s,s:s,s:{s:s,s:s,s:s},s:b,s:s,"
		    "s:I}", "model", model, "created_at",
		    "2026-11-24T00:00:00Z", "message", "role", "assistant",
		    "content", text, "thinking", THINKING, "done", 1,
		    "done_reason", done, "eval_count", (json_int_t)used));
	else
		sb_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:I,s:i,"
		    "s:I}", "model", model, "created_at",
		    "2026-11-24T00:00:00Z", "response", text, "thinking",
		    THINKING, "done", 1, "done_reason", done, "total_duration",
		    (json_int_t)120000000, "prompt_eval_count", 26,
		    "eval_count", (json_int_t)used));
	free(inner);
	free(text);
}

void
sb_ollama(struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	(void)p;
	if (strcmp(rq->path, "/api/generate") == 0)
		answer(rq, f, false, rs);
	else if (strcmp(rq->path, "/api/chat") == 0)
		answer(rq, f, true, rs);
	else if (strcmp(rq->path, "/api/version") == 0)
		sb_json(rs, 200, json_pack("{s:s}", "version", "0.12.0-sandbox"));
	else if (strcmp(rq->path, "/api/tags") == 0)
		sb_json(rs, 200, f->missing_model ?
		    json_pack("{s:[{s:s,s:s}]}", "models", "name",
		    "llama3.2:latest", "model", "llama3.2:latest") :
		    json_pack("{s:[{s:s,s:s,s:I,s:s,s:{}},{s:s,s:s}]}", "models",
		    "name", MODEL, "model", MODEL, "size",
		    (json_int_t)13780173724LL, "digest", "sandbox", "details",
		    "name", "llama3.2:latest", "model", "llama3.2:latest"));
}
