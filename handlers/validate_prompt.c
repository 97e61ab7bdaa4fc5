/*
 * handlers/validate_prompt.c - POST /unified/validate-prompt
 * {"prompt", "optimize": true|false (default true), "method":
 * "auto"|"ollama"|"local" (default auto)} -> validity, the rule that
 * applied, the analysis, and the optimized prompt with its metadata.
 * A prompt that Ollama is to shorten is queued (prompt_jobs): the rule
 * and the analysis are computed here, the optimization by a runner, and
 * the client waits in nginx (or gets 202 + Location with Prefer:
 * respond-async); a worker never waits on Ollama. With the database away
 * the local compressor answers at once (fallback_reason
 * queue_unavailable).
 * Statuses: 200; 202; 400 bad_json, prompt_too_long (with length and
 * limit); 415; 422 prompt_empty, prompt_invalid_encoding, invalid_field.
 * Not here: the rules and optimizers (lib/prompt).
 */
#include <string.h>

#include "app/auth.h"
#include "app/handoff.h"
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/queue.h"
#include "lib/json/json.h"
#include "lib/metrics/metrics.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"

static const char *const fields[] = { "prompt", "optimize", "method", NULL };

struct vp_input {
	const char	*prompt;
	size_t		 len;
	bool		 optimize;
	int		 method;
};

static enum err
vp_parse(struct request *req, struct response *res, json_t **body,
    struct vp_input *in)
{
	char why[RES_MESSAGE_MAX];
	json_t *p;
	enum err e;

	in->optimize = true;
	in->method = PROMPT_METHOD_AUTO;
	if ((e = req_prompt_body(req, res, body)) != ERR_OK)
		return e;
	if ((e = jx_check_keys(*body, fields, why, sizeof(why))) ||
	    (e = jx_bool(*body, "optimize", false, &in->optimize, why,
	    sizeof(why))) || (e = jx_enum(*body, "method", false,
	    prompt_method_names, &in->method, why, sizeof(why))))
		return req_fail(res, e, "%s", why);
	if ((p = json_object_get(*body, "prompt")) == NULL || json_is_null(p))
		return req_fail(res, ERR_MISSING_FIELD, "prompt: is required");
	if (!json_is_string(p))
		return req_fail(res, ERR_INVALID_FIELD, "prompt: must be a "
		    "string");
	in->prompt = json_string_value(p);
	in->len = json_string_length(p);
	return ERR_OK;
}

static void
limits_of(const struct config *cfg, struct prompt_limits *lim)
{
	lim->max_chars = cfg->prompt_max_chars;
	lim->optimize_above = cfg->prompt_optimize_above;
	lim->target_chars = cfg->prompt_target_chars;
}

static json_t *
limits_render(const struct prompt_limits *lim)
{
	return json_pack("{s:i,s:i,s:i}", "max_chars", (int)lim->max_chars,
	    "optimize_above", (int)lim->optimize_above, "target_chars",
	    (int)lim->target_chars);
}

#define WAIT_SLACK_S	5

/* Does the answer need Ollama (and so a runner)? */
static bool
vp_needs_ollama(const struct prompt_check *c, const struct vp_input *in)
{
	return c->action == PROMPT_OPTIMIZE && in->optimize &&
	    in->method != PROMPT_METHOD_LOCAL;
}

/* The optimized prompt without Ollama: none needed, the local method, or
 * (reason set) the local compressor because the queue is away. */
static enum err
vp_optimize_here(struct worker *w, const struct prompt_check *c,
    const struct vp_input *in, long target, const char *reason,
    json_t **out)
{
	struct prompt_optimized o;
	enum err e;

	*out = json_null();
	if (c->action == PROMPT_OPTIMIZE && !in->optimize)
		return ERR_OK;
	if (c->action != PROMPT_OPTIMIZE)
		e = prompt_optimized_none(w->lexicon, c->normalized, &o);
	else if (reason != NULL)
		e = prompt_optimize_local_because(w->lexicon, c->normalized,
		    target, reason, &o);
	else
		e = prompt_optimize(w->lexicon, NULL, c->normalized, target,
		    in->method, &o);
	if (e != ERR_OK)
		return e;
	metrics_prompt(w->metrics, metrics_opt_of(o.method), o.original_length,
	    o.optimized_length, o.fallback_reason != NULL);
	*out = prompt_optimized_render(&o);
	json_object_set_new(*out, "prompt", json_string(o.text));
	prompt_optimized_fini(&o);
	return ERR_OK;
}

/* Queues the Ollama part of answer (borrowed; "optimized" still null)
 * and hands the client over. ERR_DB_UNAVAILABLE: nothing was queued. */
static enum err
vp_queue(struct request *req, struct response *res,
    const struct prompt_check *c, const struct vp_input *in, long target,
    json_t *answer)
{
	const struct config *cfg = req->w->cfg;
	long wait_s = 2 * cfg->ollama_timeout_ms / 1000 + WAIT_SLACK_S;
	char id[UUID_STRLEN + 1];
	json_t *rq, *view;
	enum err e;

	uuid_make(id);
	rq = json_pack("{s:s,s:I,s:s,s:s}", "text", c->normalized, "target",
	    (json_int_t)target, "method", prompt_method_names[in->method],
	    "request_id", req->id);
	e = db_prompt_enqueue(&req->w->db, id, auth_home_project(req), rq,
	    answer, wait_s);
	json_decref(rq);
	if (e != ERR_OK)
		return e;
	req_trace(req, id, NULL);
	view = json_pack("{s:s,s:s,s:n}", "id", id, "status", "queued",
	    "result");
	e = handoff_reply(req, res, "prompt", id, wait_s, view);
	json_decref(view);
	return e;
}

enum err
handle_validate_prompt(struct request *req, struct response *res)
{
	struct prompt_limits lim;
	struct prompt_check c = { 0 };
	struct prompt_analysis a;
	struct vp_input in;
	char why[RES_MESSAGE_MAX];
	json_t *body = NULL, *opt = NULL, *answer = NULL;
	enum err e;

	limits_of(req->w->cfg, &lim);
	if ((e = vp_parse(req, res, &body, &in)) != ERR_OK)
		goto out;
	if ((e = prompt_validate(in.prompt, in.len, &lim, &c, why,
	    sizeof(why))) != ERR_OK) {
		req_fail(res, e, "%s", why);
		if (e == ERR_PROMPT_TOO_LONG)
			res->details = json_pack("{s:s,s:I,s:I}", "rule",
			    "reject", "length", (json_int_t)c.chars, "limit",
			    (json_int_t)lim.max_chars);
		goto out;
	}
	if ((e = prompt_analyze(req->w->lexicon, c.normalized, &a)) != ERR_OK)
		goto out;
	answer = json_pack("{s:b,s:s,s:o,s:s,s:I,s:o,s:n}", "valid", 1,
	    "rule", prompt_action_name(c.action), "limits",
	    limits_render(&lim), "prompt", c.normalized, "length",
	    (json_int_t)c.chars, "analysis", prompt_analysis_render(&a),
	    "optimized");
	if (vp_needs_ollama(&c, &in) && (e = vp_queue(req, res, &c, &in,
	    lim.target_chars, answer)) != ERR_DB_UNAVAILABLE)
		goto out;
	if ((e = vp_optimize_here(req->w, &c, &in, lim.target_chars,
	    vp_needs_ollama(&c, &in) ? PROMPT_WHY_QUEUE : NULL, &opt)) != ERR_OK)
		goto out;
	json_object_set_new(answer, "optimized", opt);
	e = res_json_take(res, 200, json_incref(answer));
out:
	json_decref(answer);
	prompt_check_fini(&c);
	json_decref(body);
	return e;
}
