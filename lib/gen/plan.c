/*
 * lib/gen/plan.c - candidate selection: eligibility checks with a
 * reason each, priority order, weighted draw among equals.
 * Not here: side effects on the circuit or rate state (the engine takes
 * them at attempt time, so a plan, and a dry run, change nothing).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/core/util.h"
#include "lib/http/http.h"
#include "lib/providers/common.h"
#include "lib/gen/plan.h"

unsigned
plan_caps_needed(const struct gen_params *p)
{
	unsigned caps = 0;

	if (p->negative_prompt != NULL && p->negative_prompt[0] != '\0')
		caps |= PROV_NEGATIVE_PROMPT;
	if (p->has_seed)
		caps |= PROV_SEED;
	if (p->style != NULL && p->style[0] != '\0')
		caps |= PROV_STYLE;
	return caps;
}

static void
iso_time(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool
check_caps(const struct plan_input *in, struct plan_entry *e)
{
	unsigned missing = plan_caps_needed(in->params) & ~e->prov->caps, bit;

	for (bit = 1; missing != 0 && bit != 0; bit <<= 1)
		if (missing & bit) {
			snprintf(e->reason, sizeof(e->reason), "cannot do %s",
			    prov_cap_name(bit));
			return false;
		}
	return true;
}

static bool
check_limits(const struct plan_input *in, struct plan_entry *e)
{
	const struct prov_limits *l = &e->prov->limits;
	const struct gen_params *p = in->params;

	if (p->num_images > l->max_images) {
		snprintf(e->reason, sizeof(e->reason), "at most %d images per "
		    "request, %d asked", l->max_images, p->num_images);
		return false;
	}
	if ((e->prov->caps & PROV_CUSTOM_SIZE) && (p->width || p->height) &&
	    (p->width < l->min_side || p->width > l->max_side ||
	    p->height < l->min_side || p->height > l->max_side)) {
		snprintf(e->reason, sizeof(e->reason), "%dx%d is outside its "
		    "%d..%d pixels per side", p->width, p->height,
		    l->min_side, l->max_side);
		return false;
	}
	if (p->has_seed && p->seed < l->min_seed) {
		snprintf(e->reason, sizeof(e->reason), "seed %lld is below its "
		    "minimum %lld", (long long)p->seed, (long long)l->min_seed);
		return false;
	}
	return true;
}

/* Circuit and rate state, read without taking anything. */
static bool
check_cooling(const struct plan_input *in, struct plan_entry *e)
{
	struct circuit_view v;
	char at[32];
	int per_min = e->pc ? e->pc->rate_per_min : 0;

	if (in->circuits == NULL)
		return true;
	circuit_view_get(in->circuits, e->prov->name, in->now_ms, &v);
	if (v.state == CIRCUIT_OPEN && in->now_ms < v.open_until_ms) {
		e->retry_at_ms = v.open_until_ms;
		iso_time(v.open_until_ms, at, sizeof(at));
		snprintf(e->reason, sizeof(e->reason), "circuit open after %d "
		    "failures, until %s", v.failures, at);
		return false;
	}
	if (per_min > 0 && v.used_this_minute >= per_min) {
		e->retry_at_ms = in->now_ms - in->now_ms % 60000 + 60000;
		snprintf(e->reason, sizeof(e->reason), "rate limit of %d "
		    "requests per minute reached", per_min);
		return false;
	}
	return true;
}

void
plan_ctx_init(const struct config *cfg, const struct provider *prov,
    const struct db_provider_config *pc, struct prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	if (prov->ctx_init != NULL)
		prov->ctx_init(cfg, ctx);
	if (pc == NULL)
		return;
	if (pc->default_model[0] != '\0')
		ctx->default_model = pc->default_model;
	if (pc->timeout_ms > 0)
		ctx->timeout_ms = pc->timeout_ms;
	if (pc->allowed_models[0] != '\0')
		ctx->allowed_models = pc->allowed_models;
	ctx->settings.steps = pc->steps;
	ctx->settings.guidance = pc->guidance;
	if (pc->styles[0] != '\0')
		ctx->settings.styles = pc->styles;
}

bool
plan_model_offered(const struct prov_ctx *ctx, const char *model)
{
	return http_list_has(ctx->models, model) && (ctx->allowed_models ==
	    NULL || http_list_has(ctx->allowed_models, model));
}

/* prov's context with its provider_configs row of in. */
static void
ctx_of(const struct plan_input *in, const struct provider *prov,
    struct prov_ctx *ctx)
{
	plan_ctx_init(in->cfg, prov, db_provider_config_find(in->pcs, in->npcs,
	    prov->name), ctx);
}

/* True when the request names no model or one prov offers. */
static bool
model_offered(const struct plan_input *in, const struct provider *prov)
{
	struct prov_ctx ctx;

	if (in->params->model == NULL)
		return true;
	ctx_of(in, prov, &ctx);
	return plan_model_offered(&ctx, in->params->model);
}

static bool
check_model(const struct plan_input *in, struct plan_entry *e)
{
	if (model_offered(in, e->prov))
		return true;
	snprintf(e->reason, sizeof(e->reason), "does not offer model %.64s",
	    in->params->model);
	return false;
}

/* ERR_MODEL_NOT_ALLOWED when the requested provider (or, for "auto",
 * every provider) does not offer the model asked for. */
static enum err
check_model_somewhere(const struct plan_input *in, const char *req,
    char *why, size_t whylen)
{
	const struct provider *prov;
	struct prov_ctx ctx;
	size_t i;

	for (i = 0; i < in->nprovs && req == NULL; i++)
		if (model_offered(in, in->provs[i]))
			return ERR_OK;
	for (i = 0; i < in->nprovs && req != NULL; i++) {
		prov = in->provs[i];
		if (strcmp(prov->name, req) != 0 || model_offered(in, prov))
			continue;
		ctx_of(in, prov, &ctx);
		snprintf(why, whylen, "model: \"%.64s\" is not offered by %s "
		    "(one of: %.200s%s%.200s)", in->params->model, prov->name,
		    ctx.models, ctx.allowed_models ? "; provider_configs "
		    "allows: " : "", ctx.allowed_models ? ctx.allowed_models :
		    "");
		return ERR_MODEL_NOT_ALLOWED;
	}
	if (req == NULL)
		snprintf(why, whylen, "model: \"%.64s\" is not offered by any "
		    "provider here", in->params->model);
	return req == NULL ? ERR_MODEL_NOT_ALLOWED : ERR_OK;
}

static bool
entry_check(const struct plan_input *in, struct plan_entry *e)
{
	const char *why = e->prov->unconfigured ?
	    e->prov->unconfigured(in->cfg) : NULL;

	if (why != NULL) {
		snprintf(e->reason, sizeof(e->reason), "not configured: %s",
		    why);
		return false;
	}
	if (e->pc != NULL && !e->pc->enabled) {
		snprintf(e->reason, sizeof(e->reason), "disabled in "
		    "provider_configs");
		return false;
	}
	return check_model(in, e) && check_caps(in, e) &&
	    check_limits(in, e) && check_cooling(in, e);
}

/* splitmix64: a small deterministic generator for the weighted draw. */
static uint64_t
next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int
entry_priority(const struct plan_entry *e)
{
	return e->pc ? e->pc->priority : 100;
}

static int
entry_weight(const struct plan_entry *e)
{
	return e->pc ? e->pc->weight : 1;
}

/* Orders v[from..to) by priority, weighted draw among equal ones. */
static void
order_kept(struct plan_entry *v, size_t from, size_t to, uint64_t seed)
{
	struct plan_entry tmp;
	size_t i, pick;
	int64_t total, r;
	int best;

	for (; from < to; from++) {
		best = entry_priority(&v[from]);
		for (i = from; i < to; i++)
			best = MIN(best, entry_priority(&v[i]));
		total = 0;
		for (i = from; i < to; i++)
			if (entry_priority(&v[i]) == best)
				total += MAX(entry_weight(&v[i]), 0);
		r = total > 0 ? (int64_t)(next_rand(&seed) % (uint64_t)total) : 0;
		pick = to;
		for (i = from; i < to && pick == to; i++) {
			if (entry_priority(&v[i]) != best)
				continue;
			if (total == 0 || (r -= MAX(entry_weight(&v[i]), 0)) < 0)
				pick = i;
		}
		tmp = v[from];
		v[from] = v[pick];
		v[pick] = tmp;
	}
}

static enum err
check_requested(const struct plan_input *in, const char *req, char *why,
    size_t whylen)
{
	size_t i, o;

	for (i = 0; i < in->nprovs; i++)
		if (strcmp(in->provs[i]->name, req) == 0)
			return ERR_OK;
	o = (size_t)snprintf(why, whylen, "provider: unknown \"%.40s\"; one "
	    "of \"auto\"", req);
	for (i = 0; i < in->nprovs && o < whylen; i++)
		o += (size_t)snprintf(why + o, whylen - o, ", \"%s\"",
		    in->provs[i]->name);
	return ERR_INVALID_FIELD;
}

/* Fills out->v in registry order with each entry's verdict. */
static void
plan_check_all(const struct plan_input *in, const char *req,
    struct plan *out)
{
	struct plan_entry *e;
	size_t i;

	for (i = 0; i < in->nprovs && out->n < PLAN_MAX; i++) {
		e = &out->v[out->n++];
		e->prov = in->provs[i];
		e->pc = db_provider_config_find(in->pcs, in->npcs,
		    e->prov->name);
		e->prompt_limit = MIN(e->prov->limits.max_prompt_chars,
		    in->cfg->prompt_target_chars);
		e->kept = entry_check(in, e);
		if (e->kept && req != NULL && !in->fallback &&
		    strcmp(req, e->prov->name) != 0) {
			e->kept = false;
			snprintf(e->reason, sizeof(e->reason), "fallback is "
			    "off and %s was asked for", req);
		}
		if (e->kept)
			snprintf(e->reason, sizeof(e->reason), "%s",
			    req && strcmp(req, e->prov->name) == 0 ?
			    "requested" : "eligible");
	}
}

enum err
plan_build(const struct plan_input *in, struct plan *out, char *why,
    size_t whylen)
{
	const char *req = in->requested;
	struct plan_entry tmp;
	size_t i, k = 0, first = 0;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (req != NULL && strcmp(req, "auto") == 0)
		req = NULL;
	if ((req != NULL && (e = check_requested(in, req, why, whylen))) ||
	    (e = check_model_somewhere(in, req, why, whylen)))
		return e;
	plan_check_all(in, req, out);
	for (i = 0; i < out->n; i++) {		/* kept first, stable */
		if (!out->v[i].kept)
			continue;
		tmp = out->v[i];
		memmove(&out->v[k + 1], &out->v[k], (i - k) * sizeof(tmp));
		out->v[k++] = tmp;
	}
	out->nkept = k;
	for (i = 0; i < k && req != NULL; i++)	/* the requested one first */
		if (strcmp(out->v[i].prov->name, req) == 0) {
			tmp = out->v[i];
			out->v[i] = out->v[0];
			out->v[0] = tmp;
			first = 1;
		}
	order_kept(out->v, first, k, in->seed);
	for (i = k; i < out->n; i++)
		if (out->v[i].retry_at_ms > 0 && (out->earliest_retry_ms == 0 ||
		    out->v[i].retry_at_ms < out->earliest_retry_ms))
			out->earliest_retry_ms = out->v[i].retry_at_ms;
	return ERR_OK;
}

json_t *
plan_render(const struct plan *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < p->n; i++)
		json_array_append_new(a, json_pack("{s:s,s:b,s:o,s:s,s:I}",
		    "provider", p->v[i].prov->name, "kept", p->v[i].kept,
		    "order", p->v[i].kept ? json_integer((json_int_t)i + 1) :
		    json_null(), "reason", p->v[i].reason,
		    "prompt_limit", (json_int_t)p->v[i].prompt_limit));
	return a;
}
