/*
 * lib/prompt/optimize.h - shortens a prompt to under a target: Ollama first
 * (answer checked: not empty, under the target, protected keywords kept),
 * the local compressor as the fallback, or the local compressor alone.
 * Not here: the length rules (validate.c), the HTTP client (lib/ollama).
 */
#ifndef PROMPT_OPTIMIZE_H
#define PROMPT_OPTIMIZE_H

#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"
#include "lib/ollama/ollama.h"

struct prompt_lexicon;
struct ollama;

enum prompt_method {
	PROMPT_METHOD_AUTO = 0,		/* Ollama, else local */
	PROMPT_METHOD_OLLAMA,		/* same, but asked for explicitly */
	PROMPT_METHOD_LOCAL,		/* local compressor only */
	PROMPT_METHOD__MAX
};

/* Names of enum prompt_method, NULL-ended (request field "method"). */
extern const char *const prompt_method_names[];

struct prompt_optimized {
	char		*text;			/* malloc'd result */
	size_t		 original_length;	/* characters */
	size_t		 optimized_length;	/* characters */
	const char	*method;		/* "none" | "ollama" | "local" */
	double		 optimization_ms;
	const char	*fallback_reason;	/* static, NULL if none */
	char		 detail[256];		/* what went wrong with Ollama */
	/* what Ollama or curl said (bodies, addresses): for the log only,
	 * never rendered */
	char		 internal[256];
	json_t		*preserved;		/* array of kept keywords */
};

/*
 * Shortens text (normalized, valid UTF-8) to under target characters with
 * method m. ollama may be NULL (then local). Never fails for an Ollama
 * problem: the local compressor answers and fallback_reason says why.
 * Returns ERR_NOMEM only. Caller frees out with prompt_optimized_fini().
 */
enum err	prompt_optimize(const struct prompt_lexicon *lex,
		    struct ollama *ollama, const char *text, long target,
		    enum prompt_method m, struct prompt_optimized *out);
/*
 * The same optimization with its Ollama call run by the caller (the
 * runner's curl multi, beside the provider calls): start fills c->call
 * (send c->call.req, budget_ms at most); end takes the transfer's
 * outcome (xerr/xwhy, or the response) and completes out exactly as
 * prompt_optimize() would, the local compressor included. Free c with
 * prompt_opt_call_fini() after end (or when the call is dropped).
 */
struct prompt_opt_call {
	char			*text;		/* owned copy */
	long			 target;
	char			*body;		/* owned: the request body */
	struct ollama_call	 call;
	int64_t			 t0_us;
	int			 tries;		/* again after the first */
};
enum err	prompt_optimize_start(const struct ollama *o, const char *text,
		    long target, long budget_ms, struct prompt_opt_call *c);
enum err	prompt_optimize_end(const struct prompt_lexicon *lex,
		    struct prompt_opt_call *c, enum err xerr, const char *xwhy,
		    const struct http_response *res,
		    struct prompt_optimized *out);
/* Should the call that ended so be sent once more (as prompt_optimize()
 * retries: a connect failure, 5xx or 429, once, while budget_ms since
 * start leaves time)? Then c->call.req has the time that is left. */
bool		prompt_optimize_again(struct prompt_opt_call *c, enum err xerr,
		    const struct http_response *res, long budget_ms);
void		prompt_opt_call_fini(struct prompt_opt_call *c);
/* Why a validate-prompt was not sent to Ollama: its job could not be
 * queued for a runner (the database is away). */
#define PROMPT_WHY_QUEUE	"queue_unavailable"

/* The local compressor alone, recorded as a fallback for reason (static). */
enum err	prompt_optimize_local_because(const struct prompt_lexicon *lex,
		    const char *text, long target, const char *reason,
		    struct prompt_optimized *out);
/* The "no optimization needed" result: text copied, method "none". */
enum err	prompt_optimized_none(const struct prompt_lexicon *lex,
		    const char *text, struct prompt_optimized *out);
/* The Ollama template filled with prompt and target (caller frees). */
char		*prompt_template_fill(const char *prompt, long target);
void		prompt_optimized_fini(struct prompt_optimized *out);
/* The metadata object of a result (lengths, method, time, reason, keywords). */
json_t		*prompt_optimized_render(const struct prompt_optimized *o);

#endif
