/*
 * lib/ollama/ollama.h - Ollama client (shared/providers/ollama.md):
 * non-streaming generate with one retry on a transient failure, model
 * availability from /api/tags (cached per worker), version for health.
 * Not here: prompt templates and answer checks (lib/prompt/optimize.c).
 */
#ifndef OLLAMA_OLLAMA_H
#define OLLAMA_OLLAMA_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/config/config.h"
#include "lib/http/http.h"

#define OLLAMA_TAGS_TTL_MS	30000	/* model found: re-checked after */
#define OLLAMA_TAGS_MISS_TTL_MS	2000	/* missing or unreachable */
/*
 * gpt-oss always reasons, and num_predict caps the reasoning and the
 * answer together: a generate asks for the "low" level and a budget of
 * OLLAMA_THINK_TOKENS (a few hundred at "low", with room) plus the
 * answer's characters at OLLAMA_CHARS_PER_TOKEN (about 4 in English, 3
 * leaves room). Spent, it ends with done_reason "length".
 */
#define OLLAMA_THINK		"low"
#define OLLAMA_THINK_TOKENS	1024
#define OLLAMA_CHARS_PER_TOKEN	3

struct ollama {
	const char		*url;		/* borrowed from config */
	const char		*model;
	long			 connect_ms;
	long			 timeout_ms;
	struct http_client	*http;		/* borrowed */
	int64_t			 tags_at_ms;	/* monotonic; 0 = never */
	enum err		 tags_err;	/* of the cached look-up */
	bool			 model_present;
	double			 last_ms;	/* last round trip */
	char			 version[32];
};

void		ollama_init(struct ollama *o, const struct config *cfg,
		    struct http_client *http);
/*
 * POST /api/generate with "stream": false, "think": OLLAMA_THINK and a
 * num_predict for the reasoning and an answer of up to answer_chars; the
 * answer text ("response", never "thinking") in *out (caller frees). One
 * retry on a connect failure, 5xx or 429. ERR_PROVIDER_INVALID with
 * "model_missing" in why when the model is absent; ERR_TIMEOUT;
 * ERR_PROVIDER_UNAVAILABLE; ERR_BAD_RESPONSE for an empty or malformed
 * answer, with why starting "length" when done_reason says the budget ran
 * out (the answer is then empty or cut, and never used).
 */
enum err	ollama_generate(struct ollama *o, const char *prompt,
		    double temperature, long answer_chars, char **out,
		    double *ms, char *why, size_t whylen);
/* POST /api/generate as a request to run elsewhere (curl multi): url in
 * c, body borrowed (it must outlive the transfer). */
struct ollama_call {
	char			 url[1024];
	struct http_request	 req;
};
/* The JSON body of a non-streaming generate for an answer of up to
 * answer_chars (caller frees), NULL on OOM. */
char		*ollama_generate_body(const struct ollama *o, const char *prompt,
		    double temperature, long answer_chars);
/* num_predict for an answer of up to answer_chars, reasoning included. */
long		ollama_budget_tokens(long answer_chars);
void		ollama_generate_request(const struct ollama *o,
		    const char *body, long budget_ms, struct ollama_call *c);
/* The answer text of a finished generate's response (caller frees *out),
 * with ollama_generate()'s errors. */
enum err	ollama_generate_reply(const struct http_response *res,
		    char **out, char *why, size_t whylen);
/* Is the model in /api/tags? A yes is cached OLLAMA_TAGS_TTL_MS, a no
 * or an error OLLAMA_TAGS_MISS_TTL_MS (a pulled model is seen soon);
 * fresh skips the cache (health checks). */
enum err	ollama_model_check(struct ollama *o, bool fresh,
		    bool *present, char *why, size_t whylen);
/* GET /api/version into o->version; round trip in *ms. */
enum err	ollama_version_get(struct ollama *o, double *ms, char *why,
		    size_t whylen);

#endif
