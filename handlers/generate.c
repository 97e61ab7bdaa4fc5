/*
 * handlers/generate.c - POST /unified/generate, POST /unified/generate/quick
 * ({"prompt", "provider"?}, defaults for the rest) and POST
 * /unified/generate/batch ({"requests": [generate bodies]}, up to
 * BATCH_MAX): each generation is checked here and queued as a job in
 * PostgreSQL; the runner does the slow work. The worker never waits:
 *   default: X-Accel-Redirect to /__wait/..., where nginx holds the client
 *     until the job ends (the wait endpoint answers with the job, as a
 *     synchronous API would, or 504 + Location at the deadline);
 *   Prefer: respond-async (RFC 7240): 202 + Location: /unified/jobs/{id};
 *   Prefer: wait=N: the synchronous wait is bounded to N seconds;
 *   Idempotency-Key: the same key and body return the same job (24 h).
 * ?dry_run=1: the candidate order with reasons and the prompt action; no
 * provider called, nothing stored.
 * Statuses here: 202; 400 bad_json, prompt_too_long; 415; 422
 * invalid_field, missing_field, model_not_allowed, prompt_*,
 * idempotency_key_reused; 503
 * database_unavailable. The wait endpoint adds the job's own (200, 429,
 * 502, 503, 504, 507: app/waiter.c).
 * Not here: selection, retries, records (lib/gen/engine.c, the runner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/auth.h"
#include "app/handoff.h"
#include "app/worker.h"
#include "handlers/generate.h"
#include "handlers/handlers.h"
#include "lib/core/hash.h"
#include "lib/core/timeutil.h"
#include "lib/core/uuid.h"
#include "lib/core/util.h"
#include "lib/json/jobview.h"
#include "lib/json/json.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"
#include "lib/db/queue.h"
#include "lib/gen/deliver.h"
#include "lib/gen/engine.h"
#include "lib/gen/oai.h"
#include "lib/gen/record.h"

#define WAIT_SLACK_S	5	/* a wait outlasts the job's deadline by */
#define PCS_TTL_MS	1000	/* provider_configs for request checks */

/* One generation made ready: parsed, prompt checked and optimized. */
struct gen_item {
	struct genreq		 g;
	struct prompt_check	 c;
	struct prompt_optimized	 o;
	enum err		 e;		/* a request error, if any */
	char			 why[RES_MESSAGE_MAX];
	json_t			*details;	/* owned, or NULL */
	json_t			*record;	/* the queued job (owned) */
};

static void
env_of(struct worker *w, struct engine_env *env)
{
	*env = (struct engine_env){ w->cfg, &w->http, &w->multi, &w->db,
	    w->circuits, &w->log, w->lexicon, w->metrics };
}

/* The prompt's metadata as queued; the runner adds its analysis (CPU
 * spent where the job runs, not while the client's request is open). */
static json_t *
prompt_meta(const struct prompt_optimized *o)
{
	return json_pack("{s:o}", "prompt_validation",
	    prompt_optimized_render(o));
}

/* Validates the prompt of it->g. One over the threshold is left for the
 * runner to shorten (Ollama takes seconds: never in a worker). */
static enum err
item_prompt(struct worker *w, struct gen_item *it)
{
	const struct config *cfg = w->cfg;
	struct prompt_limits lim = { cfg->prompt_max_chars,
	    cfg->prompt_optimize_above, cfg->prompt_target_chars };
	const char *text = it->g.params.prompt;
	enum err e;

	if ((e = prompt_validate(text, strlen(text), &lim, &it->c, it->why,
	    sizeof(it->why))) != ERR_OK) {
		if (e == ERR_PROMPT_TOO_LONG)
			it->details = json_pack("{s:I,s:I}", "length",
			    (json_int_t)it->c.chars, "limit",
			    (json_int_t)lim.max_chars);
		return e;
	}
	if (it->c.action == PROMPT_OPTIMIZE)
		return ERR_OK;
	if ((e = prompt_optimized_none(w->lexicon, it->c.normalized,
	    &it->o)) != ERR_OK)
		snprintf(it->why, sizeof(it->why), "the prompt could not be "
		    "prepared (%s)", err_code(e));
	return e;
}

/* Checks it's plan against provider_configs read at most PCS_TTL_MS ago;
 * a refusal is checked again against a fresh read (a provider enabled a
 * moment ago) before it stands. */
static enum err
item_check(struct worker *w, struct gen_item *it)
{
	struct engine_env env;
	enum err e = ERR_INVALID_FIELD;
	int pass;

	env_of(w, &env);
	for (pass = 0; pass < 2 && e != ERR_OK; pass++) {
		if (pass == 1 || w->pcs.at_ms == 0 || time_mono_ms() -
		    w->pcs.at_ms > PCS_TTL_MS) {
			if (db_provider_configs_load(&w->db, w->pcs.v, PLAN_MAX,
			    &w->pcs.n) != ERR_OK)
				w->pcs.n = 0;
			w->pcs.at_ms = time_mono_ms();
		}
		e = engine_plan_check(&env, &it->g, w->pcs.v, w->pcs.n, it->why,
		    sizeof(it->why));
	}
	return e;
}

/* A webhook_url needs WEBHOOK_SECRET (deliveries are signed) and a host
 * that is not internal. */
static enum err
item_webhook(struct worker *w, struct gen_item *it)
{
	if (w->cfg->webhook_secret[0] == '\0') {
		snprintf(it->why, sizeof(it->why), "webhook_url: webhooks are "
		    "off here (WEBHOOK_SECRET is not set)");
		return ERR_INVALID_FIELD;
	}
	return deliver_url_check(it->g.webhook_url,
	    w->cfg->webhook_allow_private, it->why, sizeof(it->why));
}

/* The candidates for it (new reference), or NULL with it->e / it->why. */
static json_t *
item_plan(struct worker *w, struct gen_item *it)
{
	struct engine_env env;
	json_t *cands;

	env_of(w, &env);
	if ((cands = engine_dry_run(&env, &it->g, it->why,
	    sizeof(it->why))) == NULL)
		it->e = ERR_INVALID_FIELD;
	return cands;
}

/* The project of it: the one body names, checked against the request's
 * key, else the key's own. */
static enum err
item_project(struct request *req, const json_t *body, struct gen_item *it)
{
	const char *asked = json_object_get(body, "project_id") ?
	    it->g.project_id : NULL, *pick;
	struct response sub;

	res_init(&sub, &req->arena);
	if ((it->e = auth_project(req, &sub, asked, false, &pick)) != ERR_OK)
		snprintf(it->why, sizeof(it->why), "%s", sub.message);
	else if (pick != NULL)
		it->g.project_id = pick;
	res_fini(&sub);
	return it->e;
}

/* Parses body (borrowed: it must outlive it) and prepares its prompt;
 * it->e says how that went. */
static enum err
item_prepare(struct request *req, bool dry, bool quick, const json_t *body,
    struct gen_item *it)
{
	struct worker *w = req->w;
	struct record_prompt rp;
	json_t *meta;

	if ((it->e = genreq_parse(body, quick, &it->g, it->why,
	    sizeof(it->why))) != ERR_OK ||
	    (it->e = item_project(req, body, it)) != ERR_OK)
		return it->e;
	if ((it->e = item_prompt(w, it)) != ERR_OK || dry)
		return it->e;
	if (it->g.webhook_url != NULL && (it->e = item_webhook(w, it)) !=
	    ERR_OK)
		return it->e;
	/* What no provider can serve is a request error, before any job. */
	if ((it->e = item_check(w, it)) != ERR_OK)
		return it->e;
	meta = it->o.text ? prompt_meta(&it->o) : NULL;
	rp = (struct record_prompt){ it->g.params.prompt, it->o.text, meta,
	    it->o.optimization_ms };
	if ((it->record = record_new(&it->g, &rp, JOB_QUEUED)) == NULL)
		it->e = ERR_NOMEM;
	json_decref(meta);
	return it->e;
}

static void
item_fini(struct gen_item *it)
{
	json_decref(it->record);
	json_decref(it->details);
	prompt_optimized_fini(&it->o);
	prompt_check_fini(&it->c);
}

/* The dry-run answer for a prepared item; new reference, or NULL with
 * it->e / it->why set. */
static json_t *
item_dry_run(struct worker *w, struct gen_item *it)
{
	json_t *cands;

	if ((cands = item_plan(w, it)) == NULL)
		return NULL;
	return json_pack("{s:b,s:{s:s,s:I,s:I},s:o}", "dry_run", 1, "prompt",
	    "action", prompt_action_name(it->c.action), "length",
	    (json_int_t)it->c.chars, "target",
	    (json_int_t)w->cfg->prompt_target_chars, "candidates", cands);
}

/* Queues it->record (with the Idempotency-Key of req, if any). An earlier
 * job with the same key and body replaces it->record. */
static enum err
item_enqueue(struct request *req, struct response *res, bool keyed,
    struct gen_item *it)
{
	const char *key = keyed ? req_header(req, "Idempotency-Key") : NULL;
	struct db_enqueue q = { req->w->cfg->generate_timeout_s, key, NULL,
	    it->g.webhook_url, req->keyed ? req->key.id : NULL, req->id };
	char hash[65];
	json_t *prev = NULL;
	enum err e;

	if (key != NULL && (strlen(key) == 0 || strlen(key) > 255))
		return req_fail(res, ERR_INVALID_FIELD, "Idempotency-Key: 1 "
		    "to 255 characters");
	if (key != NULL) {
		hash_sha256_hex(req->body ? req->body : "", req->body_len,
		    hash);
		q.request_hash = hash;
	}
	e = db_queue_enqueue(&req->w->db, it->record, &q, &prev);
	if (e == ERR_IDEMPOTENCY_MISMATCH)
		return req_fail(res, e, "Idempotency-Key %.64s was used with "
		    "another request body in the last 24 hours", key);
	if (e == ERR_DB_UNAVAILABLE)
		res_header(res, "Retry-After", "2");
	if (e != ERR_OK)
		return req_fail(res, e, "the job could not be queued (%s)",
		    err_code(e));
	if (prev != NULL) {
		json_decref(it->record);
		it->record = prev;
		res_header(res, "Idempotent-Replayed", "true");
	}
	return ERR_OK;
}

/* Queues body's generation (or, dry, answers its plan); answer, when
 * not NULL, marks the job as OpenAI-shaped (lib/gen/oai.h). */
static enum err
gen_queue(struct request *req, struct response *res, const json_t *body,
    bool quick, bool dry, json_t *answer)
{
	struct gen_item it;
	json_t *plan, *view = NULL;
	enum err e;

	memset(&it, 0, sizeof(it));
	if ((e = item_prepare(req, dry, quick, body, &it)) != ERR_OK) {
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
	if (answer != NULL)
		json_object_set(json_object_get(it.record, "params"),
		    OAI_PARAMS_KEY, answer);
	if ((e = auth_inflight(req, res, 1)) != ERR_OK ||
	    (e = item_enqueue(req, res, true, &it)) != ERR_OK)
		goto out;
	req_trace(req, json_string_value(json_object_get(it.record, "id")),
	    NULL);
	view = jobview_render(it.record, req->w->cfg->public_base_url);
	e = handoff_reply(req, res, "job", json_string_value(json_object_get(
	    it.record, "id")), req->w->cfg->generate_timeout_s + WAIT_SLACK_S,
	    view);
out:
	json_decref(view);
	item_fini(&it);
	return e;
}

enum err
generate_submit(struct request *req, struct response *res,
    const json_t *body, json_t *answer)
{
	return gen_queue(req, res, body, false, false, answer);
}

static enum err
gen_run(struct request *req, struct response *res, bool quick)
{
	json_t *body = NULL;
	enum err e;

	if ((e = req_prompt_body(req, res, &body)) == ERR_OK)
		e = gen_queue(req, res, body, quick, req_query_flag(req,
		    "dry_run"), NULL);
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
	json_t *err = json_pack("{s:s,s:o}", "code", err_code(e), "message",
	    jx_text_new(message));
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

/* Item i of a batch: its plan (dry run), its queued job's id, or the
 * request error that kept it from becoming a job. */
static json_t *
batch_item(struct request *req, struct response *res, size_t i, bool dry,
    struct gen_item *it, size_t *ok)
{
	struct response sub;
	json_t *plan;

	if (it->e != ERR_OK)
		return batch_error(i, it->e, it->why, it->details, -1);
	if (dry) {
		if ((plan = item_dry_run(req->w, it)) == NULL)
			return batch_error(i, it->e, it->why, NULL, -1);
		(*ok)++;
		return batch_result(i, plan);
	}
	res_init(&sub, res->arena);
	if (item_enqueue(req, &sub, false, it) != ERR_OK) {
		plan = batch_error(i, sub.err, sub.message, NULL, -1);
		res_fini(&sub);
		return plan;
	}
	res_fini(&sub);
	(*ok)++;
	return json_pack("{s:I,s:O}", "index", (json_int_t)i, "job_id",
	    json_object_get(it->record, "id"));
}

/* Dry run: every item's plan, at once. Else the batch is recorded and
 * its client handed to the wait endpoint (or 202 + Location). */
static enum err
batch_answer(struct request *req, struct response *res, bool dry,
    json_t *answers, size_t ok)
{
	size_t n = json_array_size(answers);
	char id[UUID_STRLEN + 1];
	json_t *view;
	enum err e;

	if (dry)
		return res_json_take(res, 200, json_pack("{s:I,s:I,s:I,s:f,"
		    "s:O}", "count", (json_int_t)n, "succeeded", (json_int_t)ok,
		    "failed", (json_int_t)(n - ok), "batch_time", 0.0, "items",
		    answers));
	uuid_make(id);
	if ((e = db_batch_insert(&req->w->db, id, auth_home_project(req),
	    answers)) != ERR_OK)
		return req_fail(res, e, "the batch could not be recorded (%s)",
		    err_code(e));
	req_trace(req, id, NULL);
	view = json_pack("{s:s,s:I,s:O}", "batch_id", id, "count",
	    (json_int_t)n, "items", answers);
	e = handoff_reply(req, res, "batch", id,
	    req->w->cfg->generate_timeout_s + WAIT_SLACK_S, view);
	json_decref(view);
	return e;
}

enum err
handle_generate_batch(struct request *req, struct response *res)
{
	bool dry = req_query_flag(req, "dry_run");
	struct gen_item *items = NULL;
	json_t *body = NULL, *arr = NULL, *answers = NULL;
	size_t i, n, ok = 0;
	enum err e;

	if ((e = req_prompt_body(req, res, &body)) != ERR_OK ||
	    (e = batch_requests(req, res, body, &arr)) != ERR_OK)
		goto out;
	n = json_array_size(arr);
	items = calloc(n, sizeof(*items));
	if (items == NULL || (answers = json_array()) == NULL) {
		e = req_fail(res, ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (item_prepare(req, dry, false, json_array_get(arr, i),
		    &items[i]) == ERR_OK)
			ok++;
	}
	if (!dry && (e = auth_inflight(req, res, (long)ok)) != ERR_OK)
		goto out;
	for (ok = 0, i = 0; i < n; i++)
		json_array_append_new(answers, batch_item(req, res, i, dry,
		    &items[i], &ok));
	e = batch_answer(req, res, dry, answers, ok);
out:
	for (i = 0; items != NULL && i < json_array_size(arr); i++)
		item_fini(&items[i]);
	free(items);
	json_decref(answers);
	json_decref(body);
	return e;
}
