/*
 * lib/prompt/optimize.c - Ollama first, its answer checked (not empty,
 * under the target, no protected term lost), else the local compressor
 * with the reason recorded.
 * Not here: the HTTP calls (lib/ollama), the compressor (compress.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/embed.h"
#include "lib/core/timeutil.h"
#include "lib/ollama/ollama.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"

#define TEMPLATE	"lib/prompt/templates/optimize.txt"

const char *const prompt_method_names[] = { "auto", "ollama", "local", NULL };

/* Fallback reasons (stable strings, part of the API). */
#define WHY_UNREACHABLE	"ollama_unreachable"
#define WHY_TIMEOUT	"ollama_timeout"
#define WHY_MODEL	"model_missing"
#define WHY_EMPTY	"answer_empty"
#define WHY_LONG	"answer_too_long"
#define WHY_LOST	"keywords_lost"
#define WHY_BAD		"answer_malformed"
#define WHY_LENGTH	"length"	/* num_predict spent (reasoning too) */
#define WHY_NONE	"ollama_not_configured"

/* Copies src into o, replacing each {{name}} by its value. */
static char *
fill(const char *src, const char *const *names, const char *const *vals,
    size_t n)
{
	size_t cap = strlen(src) + 1, i;
	const char *p;
	char *out, *o;

	for (i = 0; i < n; i++)
		cap += strlen(vals[i]) * 4;
	if ((out = o = malloc(cap)) == NULL)
		return NULL;
	for (p = src; *p != '\0';) {
		for (i = 0; i < n; i++)
			if (strncmp(p, names[i], strlen(names[i])) == 0)
				break;
		if (i == n) {
			*o++ = *p++;
			continue;
		}
		o = stpcpy(o, vals[i]);
		p += strlen(names[i]);
	}
	*o = '\0';
	return out;
}

char *
prompt_template_fill(const char *prompt, long target)
{
	static const char *const names[] = { "{{prompt}}", "{{target}}" };
	const struct embed_file *f = embed_get(TEMPLATE);
	char num[24];
	const char *vals[2] = { prompt, num };

	if (f == NULL)
		return NULL;
	snprintf(num, sizeof(num), "%ld", target);
	return fill(f->data, names, vals, 2);
}

/* Trims spaces and one pair of surrounding quotes; normalizes spaces. */
static char *
clean_answer(const char *ans)
{
	struct prompt_limits lim = { 1000000, 1000000, 1000000 };
	struct prompt_check c;
	size_t n = strlen(ans);
	char why[64], *out = NULL;

	while (n > 0 && strchr(" \t\r\n", ans[n - 1]))
		n--;
	while (n > 0 && strchr(" \t\r\n", *ans))
		ans++, n--;
	if (n >= 2 && ((ans[0] == '"' && ans[n - 1] == '"') ||
	    (ans[0] == '\'' && ans[n - 1] == '\'')))
		ans++, n -= 2;
	if (prompt_validate(ans, n, &lim, &c, why, sizeof(why)) == ERR_OK) {
		out = c.normalized;
		c.normalized = NULL;
	}
	prompt_check_fini(&c);
	return out;
}

static const char *
reason_of(enum err e, const char *why)
{
	if (e == ERR_TIMEOUT)
		return WHY_TIMEOUT;
	if (e == ERR_PROVIDER_INVALID && strncmp(why, "model_missing", 13) == 0)
		return WHY_MODEL;
	if (e == ERR_BAD_RESPONSE && strncmp(why, "length", 6) == 0)
		return WHY_LENGTH;
	if (e == ERR_BAD_RESPONSE)
		return strstr(why, "empty") ? WHY_EMPTY : WHY_BAD;
	return WHY_UNREACHABLE;
}

/* Checks Ollama's answer; on success out->text takes it. */
static const char *
accept_answer(const struct prompt_lexicon *lex, const char *text,
    const char *raw, long target, struct prompt_optimized *out)
{
	char *ans = clean_answer(raw), lost[200];
	size_t chars;

	if (ans == NULL || ans[0] == '\0') {
		free(ans);
		return WHY_EMPTY;
	}
	if ((chars = prompt_chars(ans)) >= (size_t)target) {
		snprintf(out->detail, sizeof(out->detail), "answer has %zu "
		    "characters, target is under %ld", chars, target);
		free(ans);
		return WHY_LONG;
	}
	if (prompt_keywords_lost(lex, text, ans, lost, sizeof(lost)) > 0) {
		snprintf(out->detail, sizeof(out->detail), "answer lost: %s",
		    lost);
		free(ans);
		return WHY_LOST;
	}
	out->text = ans;
	out->optimized_length = chars;
	out->method = "ollama";
	return NULL;
}

/* NULL when Ollama gave a good answer, else the fallback reason. */
static const char *
try_ollama(const struct prompt_lexicon *lex, struct ollama *o,
    const char *text, long target, struct prompt_optimized *out)
{
	char *filled, *raw = NULL;
	const char *reason;
	bool present = false;
	double ms;
	enum err e;

	e = ollama_model_check(o, false, &present, out->internal,
	    sizeof(out->internal));
	if (e != ERR_OK)
		return reason_of(e, out->internal);
	if (!present) {
		snprintf(out->detail, sizeof(out->detail), "model %s is not in "
		    "/api/tags", o->model);
		return WHY_MODEL;
	}
	if ((filled = prompt_template_fill(text, target - 1)) == NULL)
		return WHY_UNREACHABLE;
	e = ollama_generate(o, filled, 0.2, target - 1, &raw, &ms,
	    out->internal, sizeof(out->internal));
	free(filled);
	reason = e != ERR_OK ? reason_of(e, out->internal) :
	    accept_answer(lex, text, raw, target, out);
	free(raw);
	return reason;
}

static enum err
run_local(const struct prompt_lexicon *lex, const char *text, long target,
    struct prompt_optimized *out)
{
	struct prompt_compressed c;
	enum err e;

	if ((e = prompt_compress(lex, text, (size_t)target, &c)) != ERR_OK)
		return e;
	out->text = c.text;
	out->optimized_length = c.chars;
	out->preserved = c.kept;
	out->method = "local";
	return ERR_OK;
}

enum err
prompt_optimize(const struct prompt_lexicon *lex, struct ollama *ollama,
    const char *text, long target, enum prompt_method m,
    struct prompt_optimized *out)
{
	int64_t t0 = time_mono_us();
	enum err e = ERR_OK;

	memset(out, 0, sizeof(*out));
	out->original_length = prompt_chars(text);
	if (m != PROMPT_METHOD_LOCAL)
		out->fallback_reason = ollama ? try_ollama(lex, ollama, text,
		    target, out) : WHY_NONE;
	if (out->text == NULL)
		e = run_local(lex, text, target, out);
	else
		out->preserved = prompt_keywords_present(lex, out->text);
	out->optimization_ms = (double)(time_mono_us() - t0) / 1000.0;
	return e;
}

enum err
prompt_optimize_start(const struct ollama *o, const char *text, long target,
    long budget_ms, struct prompt_opt_call *c)
{
	char *filled;

	memset(c, 0, sizeof(*c));
	c->t0_us = time_mono_us();
	c->target = target;
	if ((c->text = strdup(text)) == NULL ||
	    (filled = prompt_template_fill(text, target - 1)) == NULL)
		return ERR_NOMEM;
	c->body = ollama_generate_body(o, filled, 0.2, target - 1);
	free(filled);
	if (c->body == NULL)
		return ERR_NOMEM;
	ollama_generate_request(o, c->body, budget_ms, &c->call);
	return ERR_OK;
}

enum err
prompt_optimize_end(const struct prompt_lexicon *lex, struct prompt_opt_call *c,
    enum err xerr, const char *xwhy, const struct http_response *res,
    struct prompt_optimized *out)
{
	char *raw = NULL;
	enum err e = xerr;

	memset(out, 0, sizeof(*out));
	out->original_length = prompt_chars(c->text);
	if (e != ERR_OK)
		snprintf(out->internal, sizeof(out->internal), "%s", xwhy);
	else
		e = ollama_generate_reply(res, &raw, out->internal,
		    sizeof(out->internal));
	out->fallback_reason = e != ERR_OK ? reason_of(e, out->internal) :
	    accept_answer(lex, c->text, raw, c->target, out);
	free(raw);
	if (out->text == NULL)
		e = run_local(lex, c->text, c->target, out);
	else {
		out->preserved = prompt_keywords_present(lex, out->text);
		e = ERR_OK;
	}
	out->optimization_ms = (double)(time_mono_us() - c->t0_us) / 1000.0;
	return e;
}

bool
prompt_optimize_again(struct prompt_opt_call *c, enum err xerr,
    const struct http_response *res, long budget_ms)
{
	long left = budget_ms - (long)((time_mono_us() - c->t0_us) / 1000);
	bool transient = xerr == ERR_PROVIDER_UNAVAILABLE || (xerr ==
	    ERR_OK && (res->status == 429 || res->status >= 500));

	if (!transient || c->tries > 0 || left < 50)
		return false;
	c->tries++;
	c->call.req.timeout_ms = left;
	return true;
}

void
prompt_opt_call_fini(struct prompt_opt_call *c)
{
	free(c->text);
	free(c->body);
	c->text = c->body = NULL;
}

enum err
prompt_optimize_local_because(const struct prompt_lexicon *lex,
    const char *text, long target, const char *reason,
    struct prompt_optimized *out)
{
	enum err e = prompt_optimize(lex, NULL, text, target,
	    PROMPT_METHOD_LOCAL, out);

	out->fallback_reason = reason;
	return e;
}

enum err
prompt_optimized_none(const struct prompt_lexicon *lex, const char *text,
    struct prompt_optimized *out)
{
	memset(out, 0, sizeof(*out));
	if ((out->text = strdup(text)) == NULL)
		return ERR_NOMEM;
	out->original_length = out->optimized_length = prompt_chars(text);
	out->method = "none";
	out->preserved = prompt_keywords_present(lex, text);
	return ERR_OK;
}

void
prompt_optimized_fini(struct prompt_optimized *o)
{
	free(o->text);
	json_decref(o->preserved);
	o->text = NULL;
	o->preserved = NULL;
}

json_t *
prompt_optimized_render(const struct prompt_optimized *o)
{
	return json_pack("{s:I,s:I,s:s,s:f,s:s?,s:s?,s:O?}",
	    "original_length", (json_int_t)o->original_length,
	    "optimized_length", (json_int_t)o->optimized_length,
	    "method", o->method, "optimization_time", o->optimization_ms /
	    1000.0, "fallback_reason", o->fallback_reason,
	    "fallback_detail", o->fallback_reason && o->detail[0] ?
	    o->detail : NULL, "preserved_keywords", o->preserved);
}
