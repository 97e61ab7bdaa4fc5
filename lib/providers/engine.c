/*
 * lib/providers/engine.c - selection, retry, fallback and the job record.
 *
 * Retry policy. After a failed attempt the error decides:
 *   same provider again (up to 1 + max_retries tries, back-off 250 ms
 *   doubling to 4 s plus up to 100 ms jitter, and never less than the
 *   provider's Retry-After, capped at RETRY_AFTER_CAP_S):
 *     timeout, provider_unavailable (5xx, refused), rate_limited (429),
 *     bad_response (malformed answer), image_invalid (truncated image);
 *   next provider at once: auth_failed, invalid_request, no_image,
 *     image_too_large;
 *   stop everything: content_blocked (the prompt itself was refused: every
 *     provider would be asked the same thing), insufficient_storage and
 *     storage_error (our disk, not theirs).
 * The circuit breaker counts only failures that say the provider is
 * unwell (timeout, unavailable, rate limited, bad response); any other
 * answer shows the provider is up and closes it.
 *
 * Not here: the protocols (one file each), request parsing (handlers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/provider_configs.h"
#include "lib/db/spool.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"
#include "lib/providers/engine.h"
#include "lib/providers/fetch.h"
#include "lib/providers/registry.h"
#include "lib/providers/run.h"

#define BACKOFF_FIRST_MS	250
#define BACKOFF_MAX_MS		4000
#define REPLAY_EVERY_MS		5000

enum after { AFTER_RETRY, AFTER_NEXT, AFTER_STOP };

/* What to do after each error (anything not listed: next provider). */
static const struct {
	enum err	e;
	enum after	after;
	bool		unwell;		/* counts for the circuit */
} policy[] = {
	{ ERR_TIMEOUT,			AFTER_RETRY, true },
	{ ERR_PROVIDER_UNAVAILABLE,	AFTER_RETRY, true },
	{ ERR_RATE_LIMITED,		AFTER_RETRY, true },
	{ ERR_BAD_RESPONSE,		AFTER_RETRY, true },
	{ ERR_IMAGE_INVALID,		AFTER_RETRY, false },
	{ ERR_PROVIDER_AUTH,		AFTER_NEXT,  false },
	{ ERR_PROVIDER_INVALID,		AFTER_NEXT,  false },
	{ ERR_NO_IMAGE,			AFTER_NEXT,  false },
	{ ERR_IMAGE_TOO_LARGE,		AFTER_NEXT,  false },
	{ ERR_CONTENT_BLOCKED,		AFTER_STOP,  false },
	{ ERR_STORAGE_FULL,		AFTER_STOP,  false },
	{ ERR_STORAGE,			AFTER_STOP,  false },
};

struct run_state {
	struct engine_env	*env;
	const struct genreq	*g;
	const struct engine_prompt *p;
	struct engine_out	*out;
	int64_t			 deadline_ms;	/* monotonic */
	int64_t			 t0_ms;
	bool			 db_ok;
	struct db_provider_config pcs[PLAN_MAX];
	size_t			 npcs;
};

static enum after
after_of(enum err e, bool *unwell)
{
	size_t i;

	for (i = 0; i < NELEM(policy); i++)
		if (policy[i].e == e) {
			*unwell = policy[i].unwell;
			return policy[i].after;
		}
	*unwell = false;
	return AFTER_NEXT;
}

/* Saves the record; after a database failure, only at the end, spooled. */
static void
record_save(struct run_state *s)
{
	enum err e;

	if (!s->db_ok)
		return;
	e = db_jobs_save(s->env->db, s->out->record);
	if (e == ERR_OK)
		return;
	s->db_ok = false;
	log_warn(s->env->log, "job %s not written (%s); it will be spooled",
	    json_string_value(json_object_get(s->out->record, "id")),
	    err_code(e));
}

static void
record_new(struct run_state *s)
{
	char id[UUID_STRLEN + 1], now[32];

	uuid_make(id);
	time_iso8601(now, sizeof(now));
	s->out->record = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:[],"
	    "s:f,s:s,s:[],s:[]}", "id", id, "project_id", s->g->project_id,
	    "status", "pending", "requested_provider", s->g->provider,
	    "prompt_original", s->p->original, "prompt_final", s->p->final,
	    "prompt_meta", s->p->meta ? json_incref(s->p->meta) :
	    json_object(), "params",
	    genreq_render(s->g), "attempts", "optimize_ms", s->p->optimize_ms,
	    "created_at", now, "images", "warnings");
}

static void
attempt_add(struct run_state *s, const char *prov, int try, enum err e,
    double ms, const struct gen_output *o)
{
	json_t *a = json_pack("{s:s,s:i,s:s,s:f}", "provider", prov, "try",
	    try + 1, "outcome", e == ERR_OK ? "ok" : err_code(e), "ms", ms);

	if (e != ERR_OK && o != NULL && o->error[0])
		json_object_set_new(a, "error", json_string(o->error));
	if (o != NULL && o->http_status)
		json_object_set_new(a, "http_status", json_integer(
		    o->http_status));
	json_array_append_new(json_object_get(s->out->record, "attempts"), a);
	json_object_set_new(s->out->record, "status", json_string("running"));
	record_save(s);
}

static void
image_add(struct run_state *s, const char *prov, const struct gen_image *img,
    const char *id, const struct store_result *r)
{
	json_array_append_new(json_object_get(s->out->record, "images"),
	    json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:i,s:i,s:s,s:I,s:s}", "id", id,
	    "provider", prov, "provider_image_id", img->provider_image_id,
	    "source_url", img->url, "local_path", r->rel_path, "width",
	    (int)r->info.width, "height", (int)r->info.height, "format",
	    store_format_name(r->info.format), "bytes", (json_int_t)r->bytes,
	    "sha256", r->sha256));
}

/* Fetches and stores every image; on failure removes what was stored. */
static enum err
store_all(struct run_state *s, const struct plan_entry *pe,
    const struct prov_ctx *ctx, struct gen_output *o)
{
	struct fetch_ctx f = { s->env->http, s->env->cfg, ctx->base_url,
	    pe->prov->name, s->g->project_id };
	struct store_result r[PROV_MAX_IMAGES];
	char ids[PROV_MAX_IMAGES][37];
	size_t i, k;
	enum err e = ERR_OK;

	for (i = 0; i < o->nimages && e == ERR_OK; i++)
		e = fetch_store(&f, &o->images[i], ids[i], &r[i], o->error,
		    sizeof(o->error));
	if (e != ERR_OK) {
		for (k = 0; k + 1 < i; k++)
			unlink(r[k].abs_path);
		return e;
	}
	json_array_clear(json_object_get(s->out->record, "images"));
	for (i = 0; i < o->nimages; i++)
		image_add(s, pe->prov->name, &o->images[i], ids[i], &r[i]);
	return ERR_OK;
}

/* The prompt a provider gets: shortened to its own limit if needed. */
static char *
prompt_for(struct run_state *s, const struct plan_entry *pe)
{
	struct prompt_compressed c;

	if ((long)prompt_chars(s->p->final) <= pe->prompt_limit)
		return strdup(s->p->final);
	if (prompt_compress(s->env->lex, s->p->final, (size_t)pe->prompt_limit
	    + 1, &c) != ERR_OK)
		return NULL;
	json_t *meta = json_object_get(s->out->record, "prompt_meta");
	json_object_set_new(meta, "provider_prompt", json_pack("{s:s,s:I,s:I}",
	    "provider", pe->prov->name, "limit", (json_int_t)pe->prompt_limit,
	    "length", (json_int_t)c.chars));
	json_decref(c.kept);
	return c.text;
}

static long
backoff_ms(const struct run_state *s, int try, long retry_after_s)
{
	long d = MIN((long)BACKOFF_FIRST_MS << try, BACKOFF_MAX_MS) +
	    (long)(time_mono_us() % 100);

	if (retry_after_s > 0)
		d = MAX(d, MIN(retry_after_s, s->env->cfg->retry_after_cap_s) *
		    1000);
	return d;
}

/* The circuit tracks whether a provider is up: failures that say it is
 * unwell count towards opening it; any other answer (success, or a
 * refusal of this request) shows it is up, and closes it. */
static void
circuit_note(struct run_state *s, const char *name, enum err e)
{
	bool unwell = false;

	if (s->env->circuits == NULL)
		return;
	if (e != ERR_OK)
		(void)after_of(e, &unwell);
	circuit_record(s->env->circuits, name, !unwell,
	    (int)s->env->cfg->circuit_failures,
	    s->env->cfg->circuit_cooldown_s * 1000, time_wall_ms());
}

/* Tries one provider (with retries); ERR_OK when its images are stored. */
static enum err
attempt_provider(struct run_state *s, const struct plan_entry *pe,
    long *retry_after_s)
{
	struct gen_params params = s->g->params;
	struct prov_ctx ctx;
	struct gen_output o;
	int try, tries = 1 + (pe->pc ? pe->pc->max_retries : 2);
	int64_t t0;
	long wait;
	enum err e = ERR_NO_PROVIDER;
	bool unwell;
	char *prompt = prompt_for(s, pe);

	if (prompt == NULL)
		return ERR_NOMEM;
	pe->prov->ctx_init(s->env->cfg, &ctx);
	if (pe->pc && pe->pc->timeout_ms > 0)
		ctx.timeout_ms = pe->pc->timeout_ms;
	params.prompt = prompt;
	for (try = 0; try < tries; try++) {
		gen_output_init(&o);
		t0 = time_mono_ms();
		e = prov_run(pe->prov, &ctx, &params, &o, s->env->http,
		    s->deadline_ms);
		if (e == ERR_OK && o.nimages == 0)
			e = ERR_NO_IMAGE;
		if (e == ERR_OK)
			e = store_all(s, pe, &ctx, &o);
		attempt_add(s, pe->prov->name, try, e, (double)(time_mono_ms() -
		    t0), &o);
		if (e == ERR_OK) {
			json_object_set_new(s->out->record, "provider_model",
			    json_string(o.model ? o.model : ctx.default_model));
			json_object_update(json_object_get(s->out->record,
			    "prompt_meta"), json_pack("{s:O}", "provider_meta",
			    o.meta));
		}
		*retry_after_s = o.retry_after_s;
		gen_output_fini(&o);
		circuit_note(s, pe->prov->name, e);
		if (e == ERR_OK || after_of(e, &unwell) != AFTER_RETRY ||
		    try + 1 == tries)
			break;
		wait = backoff_ms(s, try, *retry_after_s);
		if (time_mono_ms() + wait >= s->deadline_ms) {
			e = ERR_TIMEOUT;
			break;
		}
		usleep((useconds_t)wait * 1000);
	}
	free(prompt);
	return e;
}

/* Takes the circuit trial / rate budget at attempt time; false = skip. */
static bool
admit(struct run_state *s, const struct plan_entry *pe, int64_t *retry_at)
{
	int64_t now = time_wall_ms();

	if (s->env->circuits == NULL)
		return true;
	if (!circuit_allow(s->env->circuits, pe->prov->name, now, retry_at))
		return false;
	return circuit_rate_take(s->env->circuits, pe->prov->name,
	    pe->pc ? pe->pc->rate_per_min : 0, now, retry_at);
}

static void
plan_for(struct run_state *s, struct plan *pl, char *why, size_t whylen,
    enum err *e)
{
	struct plan_input in = { prov_registry, prov_registry_count,
	    s->env->cfg, s->pcs, s->npcs, s->env->circuits, &s->g->params,
	    s->g->provider, s->g->fallback, (uint64_t)time_mono_us(),
	    time_wall_ms(), false };

	*e = plan_build(&in, pl, why, whylen);
}

/* Tries the candidates in order; the final error is set on s->out. */
static void
run_candidates(struct run_state *s, const struct plan *pl)
{
	int64_t retry_at, earliest = pl->earliest_retry_ms;
	long ra = -1;
	size_t i;
	bool unwell;
	enum err e = ERR_NO_PROVIDER;

	for (i = 0; i < pl->nkept; i++) {
		if (time_mono_ms() >= s->deadline_ms) {
			e = ERR_TIMEOUT;
			break;
		}
		if (!admit(s, &pl->v[i], &retry_at)) {
			attempt_add(s, pl->v[i].prov->name, 0, ERR_RATE_LIMITED,
			    0, NULL);
			earliest = earliest && earliest < retry_at ? earliest :
			    retry_at;
			continue;
		}
		e = attempt_provider(s, &pl->v[i], &ra);
		if (e == ERR_OK || after_of(e, &unwell) == AFTER_STOP)
			break;
	}
	s->out->err = e;
	if (e != ERR_OK && earliest > 0 && (e == ERR_NO_PROVIDER ||
	    e == ERR_RATE_LIMITED))
		s->out->retry_after_s = MAX(1, (earliest - time_wall_ms() +
		    999) / 1000);
	else if (e == ERR_RATE_LIMITED && ra > 0)
		s->out->retry_after_s = ra;
}

static void
record_finish(struct run_state *s)
{
	json_t *r = s->out->record, *last;
	char now[32];
	size_t n = json_array_size(json_object_get(r, "attempts"));

	time_iso8601(now, sizeof(now));
	last = json_array_get(json_object_get(r, "attempts"), n ? n - 1 : 0);
	json_object_set_new(r, "status", json_string(s->out->err == ERR_OK ?
	    "completed" : "failed"));
	json_object_set_new(r, "completed_at", json_string(now));
	json_object_set_new(r, "generate_ms", json_real((double)(time_mono_ms()
	    - s->t0_ms)));
	if (s->out->err == ERR_OK)
		json_object_set(r, "provider", json_object_get(last, "provider"));
	else
		json_object_set_new(r, "error", json_pack("{s:s,s:s}", "code",
		    err_code(s->out->err), "message", s->out->message));
	record_save(s);
	if (!s->db_ok) {
		json_array_append_new(json_object_get(r, "warnings"),
		    json_string("database unavailable: the job is kept on "
		    "local disk and written when the database is back"));
		if (spool_write(s->env->cfg->spool_dir, r) != ERR_OK)
			log_error(s->env->log, "job %s could not be spooled",
			    json_string_value(json_object_get(r, "id")));
	}
}

/* "no provider can serve it: a: why; b: why" into out->message. */
static void
message_none(struct run_state *s, const struct plan *pl)
{
	size_t i, o;

	o = (size_t)snprintf(s->out->message, sizeof(s->out->message),
	    "no provider can serve this request");
	for (i = 0; i < pl->n && o < sizeof(s->out->message); i++)
		o += (size_t)snprintf(s->out->message + o,
		    sizeof(s->out->message) - o, "%s %s: %s", i ? ";" : ":",
		    pl->v[i].prov->name, pl->v[i].reason);
}

static void
message_failed(struct run_state *s)
{
	json_t *a = json_object_get(s->out->record, "attempts"),
	    *last = json_array_get(a, json_array_size(a) - 1);
	const char *err = json_string_value(json_object_get(last, "error"));

	snprintf(s->out->message, sizeof(s->out->message), "%zu attempt%s "
	    "failed; the last (%s): %s", json_array_size(a),
	    json_array_size(a) == 1 ? "" : "s", json_string_value(
	    json_object_get(last, "provider")) ? json_string_value(
	    json_object_get(last, "provider")) : "-", err ? err :
	    err_code(s->out->err));
}

enum err
engine_run(struct engine_env *env, const struct genreq *g,
    const struct engine_prompt *p, struct engine_out *out)
{
	struct run_state s;
	struct plan pl;
	enum err e;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	out->retry_after_s = -1;
	s = (struct run_state){ .env = env, .g = g, .p = p, .out = out,
	    .t0_ms = time_mono_ms(), .db_ok = true };
	s.deadline_ms = s.t0_ms + env->cfg->generate_timeout_s * 1000;
	if (db_provider_configs_load(env->db, s.pcs, PLAN_MAX, &s.npcs))
		s.npcs = 0;		/* defaults; the save below notices */
	plan_for(&s, &pl, out->message, sizeof(out->message), &e);
	if (e != ERR_OK)
		return out->err = e;	/* a request error: no job */
	record_new(&s);
	record_save(&s);		/* the row exists before any call */
	if (pl.nkept == 0) {
		out->err = ERR_NO_PROVIDER;
		message_none(&s, &pl);
		if (pl.earliest_retry_ms > 0)
			out->retry_after_s = MAX(1, (pl.earliest_retry_ms -
			    time_wall_ms() + 999) / 1000);
	} else
		run_candidates(&s, &pl);
	if (out->err != ERR_OK && out->message[0] == '\0')
		message_failed(&s);
	record_finish(&s);
	return out->err;
}

json_t *
engine_dry_run(struct engine_env *env, const struct genreq *g, char *why,
    size_t whylen)
{
	struct run_state s;
	struct plan pl;
	enum err e;

	memset(&s, 0, sizeof(s));
	s.env = env;
	s.g = g;
	if (db_provider_configs_load(env->db, s.pcs, PLAN_MAX, &s.npcs))
		s.npcs = 0;
	plan_for(&s, &pl, why, whylen, &e);
	return e == ERR_OK ? plan_render(&pl) : NULL;
}

void
engine_spool_replay(struct engine_env *env)
{
	int n = 0;

	if (spool_count(env->cfg->spool_dir) == 0)
		return;
	if (spool_replay(env->db, env->cfg->spool_dir, 50, &n) == ERR_OK &&
	    n > 0)
		log_info(env->log, "%d spooled job records written", n);
}
