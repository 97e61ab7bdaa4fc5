/*
 * handlers/generate.c - POST /unified/generate and POST
 * /unified/generate/quick ({"prompt", "provider"?}, defaults for the
 * rest): both run the same path, so they share this file.
 * ?dry_run=1: the candidate order with reasons and the prompt action; no
 * provider called, nothing stored.
 * Statuses: 200 (the job, with its images); 400 bad_json,
 * prompt_too_long; 415; 422 invalid_field, missing_field, prompt_*,
 * content_blocked; 429 rate_limited and 503 no_provider (Retry-After);
 * 502/503 when every provider failed; 504 timeout; 507 storage.
 * Not here: selection, retries, records (lib/providers/engine.c).
 */
#include <stdio.h>
#include <string.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/json/jobview.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"
#include "lib/providers/engine.h"

#define SPOOL_CHECK_MS	5000

static void
env_of(struct worker *w, struct engine_env *env)
{
	*env = (struct engine_env){ w->cfg, &w->http, &w->db, w->circuits,
	    &w->log, w->lexicon };
}

/* Validates and, past the threshold, optimizes the prompt. */
static enum err
gen_prompt(struct request *req, struct response *res, const char *text,
    struct prompt_check *c, struct prompt_optimized *o)
{
	const struct config *cfg = req->w->cfg;
	struct prompt_limits lim = { cfg->prompt_max_chars,
	    cfg->prompt_optimize_above, cfg->prompt_target_chars };
	char why[RES_MESSAGE_MAX];
	enum err e;

	if ((e = prompt_validate(text, strlen(text), &lim, c, why,
	    sizeof(why))) != ERR_OK) {
		req_fail(res, e, "%s", why);
		if (e == ERR_PROMPT_TOO_LONG)
			res->details = json_pack("{s:I,s:I}", "length",
			    (json_int_t)c->chars, "limit",
			    (json_int_t)lim.max_chars);
		return e;
	}
	if (c->action == PROMPT_OPTIMIZE && !req_query_flag(req, "dry_run"))
		return prompt_optimize(req->w->lexicon, &req->w->ollama,
		    c->normalized, lim.target_chars, PROMPT_METHOD_AUTO, o);
	return prompt_optimized_none(req->w->lexicon, c->normalized, o);
}

static json_t *
prompt_meta(struct worker *w, const struct prompt_optimized *o)
{
	struct prompt_analysis a;
	json_t *m = json_pack("{s:o}", "prompt_validation",
	    prompt_optimized_render(o));

	if (prompt_analyze(w->lexicon, o->text, &a) == ERR_OK)
		json_object_set_new(m, "analysis", prompt_analysis_render(&a));
	return m;
}

static enum err
gen_dry_run(struct request *req, struct response *res, const struct genreq *g,
    const struct prompt_check *c)
{
	struct engine_env env;
	char why[RES_MESSAGE_MAX];
	json_t *cands;

	env_of(req->w, &env);
	if ((cands = engine_dry_run(&env, g, why, sizeof(why))) == NULL)
		return req_fail(res, ERR_INVALID_FIELD, "%s", why);
	return res_json_take(res, 200, json_pack("{s:b,s:{s:s,s:I,s:I},s:o}",
	    "dry_run", 1, "prompt", "action", prompt_action_name(c->action),
	    "length", (json_int_t)c->chars, "target",
	    (json_int_t)req->w->cfg->prompt_target_chars, "candidates",
	    cands));
}

static enum err
gen_answer(struct request *req, struct response *res, struct engine_out *out)
{
	char ra[24];
	json_t *r = out->record;

	if (out->err == ERR_OK)
		return res_json_take(res, 200, jobview_render(r,
		    req->w->cfg->public_base_url));
	req_fail(res, out->err, "%s", out->message);
	if (r != NULL)
		res->details = json_pack("{s:O,s:O}", "generation_id",
		    json_object_get(r, "id"), "attempts", json_object_get(r,
		    "attempts"));
	if (out->retry_after_s > 0) {
		snprintf(ra, sizeof(ra), "%ld", out->retry_after_s);
		res_header(res, "Retry-After", ra);
	}
	return out->err;
}

static enum err
gen_run(struct request *req, struct response *res, bool quick)
{
	struct prompt_check c = { 0 };
	struct prompt_optimized o = { 0 };
	struct engine_prompt ep;
	struct engine_out out = { 0 };
	struct engine_env env;
	struct genreq g;
	char why[RES_MESSAGE_MAX];
	json_t *body = NULL;
	enum err e;

	if ((e = req_json_body(req, res, &body)) != ERR_OK)
		goto out;
	if ((e = genreq_parse(body, quick, &g, why, sizeof(why))) != ERR_OK) {
		req_fail(res, e, "%s", why);
		goto out;
	}
	if ((e = gen_prompt(req, res, g.params.prompt, &c, &o)) != ERR_OK)
		goto out;
	if (req_query_flag(req, "dry_run")) {
		e = gen_dry_run(req, res, &g, &c);
		goto out;
	}
	env_of(req->w, &env);
	if (time_mono_ms() - req->w->spool_at_ms > SPOOL_CHECK_MS) {
		req->w->spool_at_ms = time_mono_ms();
		engine_spool_replay(&env);
	}
	ep = (struct engine_prompt){ g.params.prompt, o.text, prompt_meta(
	    req->w, &o), o.optimization_ms };
	engine_run(&env, &g, &ep, &out);
	json_decref(ep.meta);
	e = gen_answer(req, res, &out);
out:
	json_decref(out.record);
	prompt_optimized_fini(&o);
	prompt_check_fini(&c);
	json_decref(body);
	return e;
}

enum err
handle_generate(struct request *req, struct response *res)
{
	return gen_run(req, res, false);
}

enum err
handle_generate_quick(struct request *req, struct response *res)
{
	return gen_run(req, res, true);
}
