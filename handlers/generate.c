/*
 * handlers/generate.c - POST /unified/generate, POST /unified/generate/quick
 * ({"prompt", "provider"?}, defaults for the rest) and POST
 * /unified/generate/batch ({"requests": [generate bodies]}, up to
 * BATCH_MAX, run at once): all three prepare each generation the same
 * way, so they share this file.
 * ?dry_run=1: the candidate order with reasons and the prompt action; no
 * provider called, nothing stored.
 * Statuses: 200 (the job, with its images; a batch: each item with its own
 * status); 400 bad_json, prompt_too_long; 415; 422 invalid_field,
 * missing_field, prompt_*, content_blocked; 429 rate_limited and 503
 * no_provider (Retry-After); 502/503 when every provider failed; 504
 * timeout; 507 storage.
 * Not here: selection, retries, records (lib/providers/engine.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/json/jobview.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"
#include "lib/providers/engine.h"

#define SPOOL_CHECK_MS	5000
#define OLLAMA_MIN_MS	50	/* less left for Ollama: local compressor */

/* One generation made ready: parsed, prompt checked and optimized. */
struct gen_item {
	struct genreq		 g;
	struct prompt_check	 c;
	struct prompt_optimized	 o;
	struct engine_prompt	 ep;
	enum err		 e;		/* a request error, if any */
	char			 why[RES_MESSAGE_MAX];
	json_t			*details;	/* owned, or NULL */
};

static void
env_of(struct worker *w, struct engine_env *env)
{
	*env = (struct engine_env){ w->cfg, &w->http, &w->multi, &w->db,
	    w->circuits, &w->log, w->lexicon };
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

/* Validates and, past the threshold (and not for a dry run), optimizes
 * the prompt of it->g: with Ollama given up to ollama_ms, or locally when
 * that is under OLLAMA_MIN_MS (a batch whose time for Ollama is spent). */
static enum err
item_prompt(struct worker *w, bool dry, long ollama_ms, struct gen_item *it)
{
	const struct config *cfg = w->cfg;
	struct prompt_limits lim = { cfg->prompt_max_chars,
	    cfg->prompt_optimize_above, cfg->prompt_target_chars };
	const char *text = it->g.params.prompt;
	long saved = w->ollama.timeout_ms;
	enum err e;

	if ((e = prompt_validate(text, strlen(text), &lim, &it->c, it->why,
	    sizeof(it->why))) != ERR_OK) {
		if (e == ERR_PROMPT_TOO_LONG)
			it->details = json_pack("{s:I,s:I}", "length",
			    (json_int_t)it->c.chars, "limit",
			    (json_int_t)lim.max_chars);
		return e;
	}
	if (it->c.action == PROMPT_OPTIMIZE && !dry && ollama_ms >=
	    OLLAMA_MIN_MS) {
		w->ollama.timeout_ms = MIN(saved, ollama_ms);
		e = prompt_optimize(w->lexicon, &w->ollama, it->c.normalized,
		    lim.target_chars, PROMPT_METHOD_AUTO, &it->o);
		w->ollama.timeout_ms = saved;
	} else if (it->c.action == PROMPT_OPTIMIZE && !dry)
		e = prompt_optimize_local_because(w->lexicon, it->c.normalized,
		    lim.target_chars, PROMPT_WHY_BATCH_BUDGET, &it->o);
	else
		e = prompt_optimized_none(w->lexicon, it->c.normalized, &it->o);
	if (e != ERR_OK)
		snprintf(it->why, sizeof(it->why), "the prompt could not be "
		    "prepared (%s)", err_code(e));
	return e;
}

/* Parses body (borrowed: it must outlive it) and prepares its prompt;
 * it->e says how that went. */
static enum err
item_prepare(struct worker *w, bool dry, bool quick, long ollama_ms,
    const json_t *body, struct gen_item *it)
{
	if ((it->e = genreq_parse(body, quick, &it->g, it->why,
	    sizeof(it->why))) != ERR_OK)
		return it->e;
	if ((it->e = item_prompt(w, dry, ollama_ms, it)) != ERR_OK)
		return it->e;
	it->ep = (struct engine_prompt){ it->g.params.prompt, it->o.text,
	    dry ? NULL : prompt_meta(w, &it->o), it->o.optimization_ms };
	return ERR_OK;
}

static void
item_fini(struct gen_item *it)
{
	json_decref(it->ep.meta);
	json_decref(it->details);
	prompt_optimized_fini(&it->o);
	prompt_check_fini(&it->c);
}

/* The dry-run answer for a prepared item; new reference, or NULL with
 * it->e / it->why set. */
static json_t *
item_dry_run(struct worker *w, struct gen_item *it)
{
	struct engine_env env;
	json_t *cands;

	env_of(w, &env);
	if ((cands = engine_dry_run(&env, &it->g, it->why,
	    sizeof(it->why))) == NULL) {
		it->e = ERR_INVALID_FIELD;
		return NULL;
	}
	return json_pack("{s:b,s:{s:s,s:I,s:I},s:o}", "dry_run", 1, "prompt",
	    "action", prompt_action_name(it->c.action), "length",
	    (json_int_t)it->c.chars, "target",
	    (json_int_t)w->cfg->prompt_target_chars, "candidates", cands);
}

/* Replays spooled job records now and then (the database may be back). */
static void
spool_check(struct worker *w, struct engine_env *env)
{
	if (time_mono_ms() - w->spool_at_ms <= SPOOL_CHECK_MS)
		return;
	w->spool_at_ms = time_mono_ms();
	engine_spool_replay(env);
}

/* Error details of a failed generation: its id and attempts. */
static json_t *
out_details(const struct engine_out *out)
{
	const json_t *r = out->record;

	if (r == NULL)
		return NULL;
	return json_pack("{s:O,s:O}", "generation_id", json_object_get(r,
	    "id"), "attempts", json_object_get(r, "attempts"));
}

static enum err
gen_answer(struct request *req, struct response *res, struct engine_out *out)
{
	char ra[24];

	if (out->err == ERR_OK)
		return res_json_take(res, 200, jobview_render(out->record,
		    req->w->cfg->public_base_url));
	req_fail(res, out->err, "%s", out->message);
	res->details = out_details(out);
	if (out->retry_after_s > 0) {
		snprintf(ra, sizeof(ra), "%ld", out->retry_after_s);
		res_header(res, "Retry-After", ra);
	}
	return out->err;
}

static enum err
gen_run(struct request *req, struct response *res, bool quick)
{
	bool dry = req_query_flag(req, "dry_run");
	struct engine_out out = { 0 };
	struct engine_env env;
	struct gen_item it;
	json_t *body = NULL, *plan;
	enum err e;

	memset(&it, 0, sizeof(it));
	if ((e = req_json_body(req, res, &body)) != ERR_OK)
		goto out;
	if ((e = item_prepare(req->w, dry, quick, req->w->cfg->ollama_timeout_ms,
	    body, &it)) != ERR_OK) {
		req_fail(res, e, "%s", it.why);
		res->details = json_incref(it.details);
		goto out;
	}
	if (dry) {
		if ((plan = item_dry_run(req->w, &it)) == NULL)
			e = req_fail(res, it.e, "%s", it.why);
		else
			e = res_json_take(res, 200, plan);
		goto out;
	}
	env_of(req->w, &env);
	spool_check(req->w, &env);
	engine_run(&env, &it.g, &it.ep, &out);
	e = gen_answer(req, res, &out);
out:
	json_decref(out.record);
	item_fini(&it);
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

/* ---- batch ---- */

/* {"index", "status", "error": {"code", "message", ...details}}. */
static json_t *
batch_error(size_t i, enum err e, const char *message, const json_t *details,
    long retry_after_s)
{
	json_t *err = json_pack("{s:s,s:s}", "code", err_code(e), "message",
	    message);
	json_t *o;

	if (details != NULL)
		json_object_update(err, (json_t *)details);
	o = json_pack("{s:I,s:i,s:o}", "index", (json_int_t)i, "status",
	    err_status(e), "error", err);
	if (retry_after_s > 0)
		json_object_set_new(o, "retry_after", json_integer(
		    retry_after_s));
	return o;
}

static json_t *
batch_result(size_t i, json_t *result)
{
	return json_pack("{s:I,s:i,s:o}", "index", (json_int_t)i, "status",
	    200, "result", result);
}

/* The requests array, checked: 1..BATCH_MAX objects. */
static enum err
batch_requests(struct request *req, struct response *res, const json_t *body,
    json_t **arr)
{
	long max = req->w->cfg->batch_max;

	*arr = json_object_get(body, "requests");
	if (*arr == NULL)
		return req_fail(res, ERR_MISSING_FIELD, "requests: an array of "
		    "generate requests is required");
	if (!json_is_array(*arr) || json_array_size(*arr) == 0 ||
	    (long)json_array_size(*arr) > max)
		return req_fail(res, ERR_INVALID_FIELD, "requests: an array of "
		    "1 to %ld generate requests (BATCH_MAX)", max);
	return ERR_OK;
}

/* Runs the items that are ready, all at once, into runs[0..*nrun) in
 * item order. */
static enum err
batch_run(struct worker *w, struct gen_item *items, size_t n,
    struct engine_item *runs, size_t *nrun)
{
	struct engine_env env;
	size_t i;

	*nrun = 0;
	for (i = 0; i < n; i++)
		if (items[i].e == ERR_OK)
			runs[(*nrun)++] = (struct engine_item){ &items[i].g,
			    &items[i].ep, { 0 } };
	env_of(w, &env);
	spool_check(w, &env);
	return *nrun ? engine_run_many(&env, runs, *nrun) : ERR_OK;
}

/* The answer for item i (run r when it ran); counts successes. */
static json_t *
batch_render(struct worker *w, size_t i, struct gen_item *it,
    struct engine_item *run, bool dry, size_t *ok)
{
	json_t *plan;

	if (it->e != ERR_OK)
		return batch_error(i, it->e, it->why, it->details, -1);
	if (dry) {
		if ((plan = item_dry_run(w, it)) == NULL)
			return batch_error(i, it->e, it->why, NULL, -1);
		(*ok)++;
		return batch_result(i, plan);
	}
	if (run->out.err != ERR_OK) {
		json_t *d = out_details(&run->out), *o;

		o = batch_error(i, run->out.err, run->out.message, d,
		    run->out.retry_after_s);
		json_decref(d);
		return o;
	}
	(*ok)++;
	return batch_result(i, jobview_render(run->out.record,
	    w->cfg->public_base_url));
}

enum err
handle_generate_batch(struct request *req, struct response *res)
{
	bool dry = req_query_flag(req, "dry_run");
	struct engine_item *runs = NULL;
	struct gen_item *items = NULL;
	json_t *body = NULL, *arr = NULL, *answers = NULL;
	int64_t t0 = time_mono_ms();
	size_t i, n, nrun = 0, r = 0, ok = 0;
	enum err e;

	if ((e = req_json_body(req, res, &body)) != ERR_OK ||
	    (e = batch_requests(req, res, body, &arr)) != ERR_OK)
		goto out;
	n = json_array_size(arr);
	items = calloc(n, sizeof(*items));
	runs = calloc(n, sizeof(*runs));
	if (items == NULL || runs == NULL || (answers = json_array()) == NULL) {
		e = req_fail(res, ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Prompts are prepared one after another; Ollama gets at most
	 * OLLAMA_TIMEOUT_MS for the whole batch (as for one request), the
	 * items after that use the local compressor (batch_budget). */
	for (i = 0; i < n; i++)
		(void)item_prepare(req->w, dry, false,
		    req->w->cfg->ollama_timeout_ms - (time_mono_ms() - t0),
		    json_array_get(arr, i), &items[i]);
	if (!dry && (e = batch_run(req->w, items, n, runs, &nrun)) != ERR_OK) {
		req_fail(res, e, "the batch could not start");
		goto out;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(answers, batch_render(req->w, i,
		    &items[i], items[i].e == ERR_OK && !dry ? &runs[r++] :
		    NULL, dry, &ok));
	e = res_json_take(res, 200, json_pack("{s:I,s:I,s:I,s:f,s:O}",
	    "count", (json_int_t)n, "succeeded", (json_int_t)ok, "failed",
	    (json_int_t)(n - ok), "batch_time", (double)(time_mono_ms() - t0)
	    / 1000.0, "items", answers));
out:
	for (i = 0; i < nrun; i++)
		json_decref(runs[i].out.record);
	for (i = 0; items != NULL && i < json_array_size(arr); i++)
		item_fini(&items[i]);
	free(runs);
	free(items);
	json_decref(answers);
	json_decref(body);
	return e;
}
