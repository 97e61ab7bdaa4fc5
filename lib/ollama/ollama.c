/*
 * lib/ollama/ollama.c - the three Ollama calls imagegen makes.
 * Not here: what the answer is used for (lib/prompt/optimize.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/timeutil.h"
#include "lib/ollama/ollama.h"

static const char *const json_headers[] = {
	"Content-Type: application/json", "Accept: application/json", NULL };

void
ollama_init(struct ollama *o, const struct config *cfg,
    struct http_client *http)
{
	memset(o, 0, sizeof(*o));
	o->url = cfg->ollama_url;
	o->model = cfg->ollama_model;
	o->connect_ms = cfg->ollama_connect_ms;
	o->timeout_ms = cfg->ollama_timeout_ms;
	o->http = http;
	o->tags_err = ERR_OK;
}

static void
url_join(const struct ollama *o, const char *path, char *buf, size_t len)
{
	size_t n = strlen(o->url);

	snprintf(buf, len, "%.*s%s", (int)(n && o->url[n - 1] == '/' ?
	    n - 1 : n), o->url, path);
}

/* The verdict on an answer of POST /api/generate: the status, then the
 * JSON; *ans (caller decrefs) holds it when it is JSON. */
static enum err
generate_judge(const struct http_response *res, json_t **ans, char *why,
    size_t whylen)
{
	*ans = res->body ? json_loadb(res->body, res->len, 0, NULL) : NULL;
	if (res->status == 404) {
		snprintf(why, whylen, "model_missing: %.200s", res->body ?
		    res->body : "");
		return ERR_PROVIDER_INVALID;
	}
	if (res->status == 429 || res->status >= 500) {
		snprintf(why, whylen, "Ollama answered HTTP %ld", res->status);
		return ERR_PROVIDER_UNAVAILABLE;
	}
	if (res->status != 200 || *ans == NULL) {
		snprintf(why, whylen, "Ollama answered HTTP %ld%s", res->status,
		    *ans == NULL ? " (not JSON)" : "");
		return ERR_BAD_RESPONSE;
	}
	return ERR_OK;
}

/* One POST /api/generate; the status decides the error. */
static enum err
generate_once(struct ollama *o, const char *body, long budget_ms,
    struct http_response *res, json_t **ans, char *why, size_t whylen)
{
	struct ollama_call c;
	enum err e;

	ollama_generate_request(o, body, budget_ms, &c);
	*ans = NULL;
	if ((e = http_do(o->http, &c.req, res, why, whylen)) != ERR_OK)
		return e;
	return generate_judge(res, ans, why, whylen);
}

/* The answer's "response" (never "thinking"), unless the budget ran out
 * (done_reason "length": empty or cut) or it is blank. */
static enum err
answer_text(json_t *ans, char **out, char *why, size_t whylen)
{
	const char *t = json_string_value(json_object_get(ans, "response")),
	    *done = json_string_value(json_object_get(ans, "done_reason"));
	size_t i;

	if (done != NULL && strcmp(done, "length") == 0) {
		snprintf(why, whylen, "length: num_predict spent (eval_count "
		    "%lld, response %zu bytes)", (long long)json_integer_value(
		    json_object_get(ans, "eval_count")), t ? strlen(t) : 0);
		return ERR_BAD_RESPONSE;
	}
	for (i = 0; t != NULL && t[i] != '\0' && strchr(" \t\r\n", t[i]); i++)
		continue;
	if (t == NULL || t[i] == '\0') {
		snprintf(why, whylen, "empty answer");
		return ERR_BAD_RESPONSE;
	}
	return (*out = strdup(t)) ? ERR_OK : ERR_NOMEM;
}

void
ollama_generate_request(const struct ollama *o, const char *body,
    long budget_ms, struct ollama_call *c)
{
	url_join(o, "/api/generate", c->url, sizeof(c->url));
	c->req = (struct http_request){ .method = "POST", .url = c->url,
	    .headers = json_headers, .body = body, .body_len = strlen(body),
	    .connect_ms = o->connect_ms, .timeout_ms = budget_ms,
	    .max_bytes = 4u * 1024 * 1024 };
}

long
ollama_budget_tokens(long answer_chars)
{
	return OLLAMA_THINK_TOKENS + (answer_chars + OLLAMA_CHARS_PER_TOKEN -
	    1) / OLLAMA_CHARS_PER_TOKEN;
}

char *
ollama_generate_body(const struct ollama *o, const char *prompt,
    double temperature, long answer_chars)
{
	json_t *b = json_pack("{s:s,s:s,s:b,s:s,s:{s:f,s:I}}", "model",
	    o->model, "prompt", prompt, "stream", 0, "think", OLLAMA_THINK,
	    "options", "temperature", temperature, "num_predict",
	    (json_int_t)ollama_budget_tokens(answer_chars));
	char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;

	json_decref(b);
	return text;
}

enum err
ollama_generate_reply(const struct http_response *res, char **out, char *why,
    size_t whylen)
{
	json_t *ans = NULL;
	enum err e;

	*out = NULL;
	if ((e = generate_judge(res, &ans, why, whylen)) == ERR_OK)
		e = answer_text(ans, out, why, whylen);
	json_decref(ans);
	return e;
}

enum err
ollama_generate(struct ollama *o, const char *prompt, double temperature,
    long answer_chars, char **out, double *ms, char *why, size_t whylen)
{
	int64_t t0 = time_mono_ms(), left;
	struct http_response res;
	json_t *ans = NULL;
	char *text;
	enum err e = ERR_NOMEM;
	int attempt;

	*out = NULL;
	if ((text = ollama_generate_body(o, prompt, temperature,
	    answer_chars)) == NULL)
		goto out;
	for (attempt = 0; attempt < 2; attempt++) {
		left = o->timeout_ms - (time_mono_ms() - t0);
		if (left < 50) {
			e = ERR_TIMEOUT;
			break;
		}
		e = generate_once(o, text, left, &res, &ans, why, whylen);
		if (e == ERR_OK)
			e = answer_text(ans, out, why, whylen);
		if (e == ERR_PROVIDER_UNAVAILABLE && res.retry_after_s > 0)
			usleep(1000000);	/* honour it, up to 1 s */
		http_response_fini(&res);
		json_decref(ans);
		ans = NULL;
		if (e != ERR_PROVIDER_UNAVAILABLE)
			break;
	}
	free(text);
out:
	*ms = (double)(time_mono_ms() - t0);
	o->last_ms = *ms;
	return e;
}

static enum err
tags_fetch(struct ollama *o, char *why, size_t whylen)
{
	char url[1024];
	struct http_request req = { .url = url, .headers = json_headers,
	    .connect_ms = o->connect_ms, .timeout_ms = 2000 };
	struct http_response res;
	json_t *tags = NULL, *m;
	const char *name;
	size_t i, n = strlen(o->model);
	enum err e;

	url_join(o, "/api/tags", url, sizeof(url));
	o->model_present = false;
	e = http_json(o->http, &req, &res, &tags, why, whylen);
	if (e == ERR_OK && res.status != 200)
		e = ERR_PROVIDER_UNAVAILABLE;
	json_array_foreach(json_object_get(tags, "models"), i, m) {
		name = json_string_value(json_object_get(m, "name"));
		if (name != NULL && (strcmp(name, o->model) == 0 ||
		    (strncmp(name, o->model, n) == 0 &&
		    strcmp(name + n, ":latest") == 0)))
			o->model_present = true;
	}
	json_decref(tags);
	http_response_fini(&res);
	return e;
}

enum err
ollama_model_check(struct ollama *o, bool fresh, bool *present, char *why,
    size_t whylen)
{
	int64_t now = time_mono_ms();

	int64_t ttl = o->tags_err == ERR_OK && o->model_present ?
	    OLLAMA_TAGS_TTL_MS : OLLAMA_TAGS_MISS_TTL_MS;

	if (fresh || o->tags_at_ms == 0 || now - o->tags_at_ms >= ttl) {
		o->tags_err = tags_fetch(o, why, whylen);
		o->tags_at_ms = now;
	} else if (o->tags_err != ERR_OK)
		snprintf(why, whylen, "Ollama unreachable (cached)");
	*present = o->model_present;
	return o->tags_err;
}

enum err
ollama_version_get(struct ollama *o, double *ms, char *why, size_t whylen)
{
	char url[1024];
	struct http_request req = { .url = url, .headers = json_headers,
	    .connect_ms = o->connect_ms, .timeout_ms = 2000 };
	struct http_response res;
	json_t *v = NULL;
	enum err e;

	url_join(o, "/api/version", url, sizeof(url));
	e = http_json(o->http, &req, &res, &v, why, whylen);
	if (e == ERR_OK && res.status != 200) {
		e = ERR_PROVIDER_UNAVAILABLE;
		snprintf(why, whylen, "Ollama answered HTTP %ld", res.status);
	}
	snprintf(o->version, sizeof(o->version), "%s", e == ERR_OK &&
	    json_string_value(json_object_get(v, "version")) ?
	    json_string_value(json_object_get(v, "version")) : "");
	*ms = res.total_ms;
	o->last_ms = res.total_ms;
	json_decref(v);
	http_response_fini(&res);
	return e;
}
