/*
 * tests/sandbox/ollama.c - Ollama (shared/providers/ollama.md):
 * /api/generate and /api/chat (non-streaming) answer a plausible shorter
 * prompt: the text between "<<<PROMPT" and "PROMPT>>>" with repeated
 * sentences removed, cut at a sentence end under "TARGET: n"; /api/tags,
 * /api/version. Faults: missing_model, nonsense (plus the common ones).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

#define MODEL	"gpt-oss:20b"

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
	    "model")), *prompt;
	char *inner, *text;
	long target;
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
	inner = inner_prompt(prompt, &target);
	text = f->nonsense ? strdup("Lorem ipsum dolor sit amet, the "
	    "quick brown fox.") : shorten(inner, target);
	if (chat)
		sb_json(rs, 200, json_pack("{s:s,s:s,s:{s:s,s:s},s:b,s:s}",
		    "model", model, "created_at", "2026-11-24T00:00:00Z",
		    "message", "role", "assistant", "content", text, "done", 1,
		    "done_reason", "stop"));
	else
		sb_json(rs, 200, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s,s:I,s:i,"
		    "s:i}", "model", model, "created_at",
		    "2026-11-24T00:00:00Z", "response", text, "thinking",
		    "The user wants a shorter prompt.", "done", 1,
		    "done_reason", "stop", "total_duration",
		    (json_int_t)120000000, "prompt_eval_count", 26,
		    "eval_count", 290));
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
