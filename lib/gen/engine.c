/*
 * lib/gen/engine.c - selection, retry, fallback and the job record.
 *
 * Retry policy. After a failed attempt the error decides:
 *   same provider again (up to 1 + max_retries tries, back-off 250 ms
 *   doubling to 4 s plus up to 100 ms jitter, and never less than the
 *   provider's Retry-After, capped at RETRY_AFTER_CAP_S):
 *     timeout, provider_unavailable (5xx, refused), rate_limited (429),
 *     bad_response (malformed answer), image_invalid (truncated image);
 *   next provider at once: auth_failed, invalid_request, no_image,
 *     image_too_large, image_url_refused;
 *   stop everything: content_blocked (the prompt itself was refused: every
 *     provider would be asked the same thing), insufficient_storage and
 *     storage_error (our disk, not theirs).
 * The circuit breaker counts only failures that say the provider is
 * unwell (timeout, unavailable, rate limited, bad response); any other
 * answer shows the provider is up and closes it.
 *
 * A failed download is retried as a download (never a new, paid
 * generation): transient failures up to DOWNLOAD_TRIES times; an image
 * URL or address that is not allowed (lib/gen/fetch.h) ends the
 * candidate at once.
 *
 * Driving. Each generation is a state machine (enum phase below); struct
 * engine holds every generation in flight, and engine_step() moves each
 * as far as it goes without waiting, then waits on the curl multi handle
 * (transfers), the caller's descriptor or the earliest timed wake-up
 * (polls, back-offs). Generations join and leave at any time (the
 * runner). Nothing blocks but the database writes, local and short.
 * Before each wait the record carries what a runner taking the job over
 * needs to poll the provider's job instead of paying again ("resume").
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
#include "lib/db/queue.h"
#include "lib/db/spool.h"
#include "lib/prompt/compress.h"
#include "lib/prompt/lexicon.h"
#include "lib/gen/engine.h"
#include "lib/gen/record.h"
#include "lib/gen/fetch.h"
#include "lib/json/json.h"
#include "lib/metrics/metrics.h"
#include "lib/providers/registry.h"
#include "lib/providers/run.h"

#define BACKOFF_FIRST_MS	250
#define BACKOFF_MAX_MS		4000
#define REPLAY_EVERY_MS		5000
#define QUEUE_POLL_MS		50	/* a place for a capped provider */
#define DOWNLOAD_TRIES		3	/* per image */

/* provider_configs as read at one time, shared by the generations that
 * started then (their plans point into it). */
struct pcs_snap {
	int				 refs;
	size_t				 n;
	struct db_provider_config	 v[PLAN_MAX];
};

/* Every generation in flight. */
struct engine {
	struct engine_env	*env;
	struct run_state	**v;
	size_t			 n, cap;
	struct pcs_snap		*pcs;	/* the newest */
};

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
	{ ERR_IMAGE_URL_REFUSED,	AFTER_NEXT,  false },
	{ ERR_CONTENT_BLOCKED,		AFTER_STOP,  false },
	{ ERR_STORAGE_FULL,		AFTER_STOP,  false },
	{ ERR_STORAGE,			AFTER_STOP,  false },
};

/* Where a generation is; each phase's step is in the table below. */
enum phase {
	PH_PICK,	/* admit the next candidate, or finish */
	PH_TRY,		/* start a try on the candidate */
	PH_SEND,	/* the provider's next request, at wake_ms */
	PH_CALL,	/* that request in flight */
	PH_FETCH,	/* the next image: store its bytes or start its download */
	PH_GET,		/* a download in flight */
	PH_WAIT,	/* back-off until wake_ms, then try again */
	PH_QUEUE,	/* every place of the provider is taken: ask again */
	PH_REGET,	/* a failed download: again at wake_ms */
	PH_DONE
};

/* One generation in flight. */
struct run_state {
	struct engine_env	*env;
	struct engine_item	*item;
	const struct genreq	*g;
	const struct engine_prompt *p;
	struct engine_out	*out;
	struct pcs_snap		*snap;		/* held */
	int64_t			 deadline_ms;	/* monotonic */
	int64_t			 t0_ms;
	bool			 db_ok;
	bool			 dirty;		/* attempts not yet saved */
	const struct db_provider_config *pcs;	/* shared by a run */
	size_t			 npcs;
	struct plan		 pl;
	enum phase		 phase;
	size_t			 cand;		/* index into pl.v */
	int			 try, tries;
	char			*prompt;	/* for this candidate (owned) */
	struct gen_params	 params;
	struct prov_ctx		 ctx;
	struct gen_output	 o;		/* of this try */
	struct prov_job		 job;
	bool			 job_live;
	int64_t			 try_t0, wake_ms;	/* monotonic */
	int			 place;		/* held in the circuit, -1 */
	bool			 shared_place;	/* held in PostgreSQL */
	int64_t			 queued_at;	/* waiting for a place since */
	struct http_xfer	 x;
	size_t			 fetch_i;	/* images stored so far */
	int			 fetch_tries;	/* of image fetch_i */
	bool			 no_retry;	/* this try's error is final */
	bool			 resumed;	/* polling a job a runner left */
	struct store_result	 stored[PROV_MAX_IMAGES];
	char			 ids[PROV_MAX_IMAGES][UUID_STRLEN + 1];
	long			 ra;		/* last Retry-After, -1 */
	int64_t			 earliest;	/* wall ms a candidate is back */
	enum err		 e;		/* the last candidate's error */
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

/* Saves the record (final: durably); after a database failure, only at
 * the end, spooled. */
static void
record_save(struct run_state *s, bool final)
{
	enum err e;

	if (!s->db_ok)
		return;
	e = final ? db_jobs_save(s->env->db, s->out->record) :
	    db_jobs_save_progress(s->env->db, s->out->record);
	if (e == ERR_OK)
		return;
	s->db_ok = false;
	log_warn(s->env->log, "job %s not written (%s); it will be spooled",
	    json_string_value(json_object_get(s->out->record, "id")),
	    err_code(e));
}

/* An attempt at prov with outcome e, and a fallback when the one before
 * it (in the record: a resumed job's too) was at another provider. */
static void
attempt_count(struct run_state *s, const char *prov, enum err e)
{
	json_t *all = json_object_get(s->out->record, "attempts");
	const char *before = json_string_value(json_object_get(json_array_get(
	    all, json_array_size(all) - 1), "provider"));
	size_t to = metrics_provider_slot(prov_registry_index(prov),
	    prov_registry_count);

	metrics_attempt(s->env->metrics, to, e);
	if (before != NULL && strcmp(before, prov) != 0)
		metrics_fallback(s->env->metrics, metrics_provider_slot(
		    prov_registry_index(before), prov_registry_count), to);
}

static void
attempt_add(struct run_state *s, const char *prov, int try, enum err e,
    double ms, const struct gen_output *o)
{
	json_t *a = json_pack("{s:s,s:i,s:s,s:f}", "provider", prov, "try",
	    try + 1, "outcome", e == ERR_OK ? "ok" : err_code(e), "ms", ms);

	attempt_count(s, prov, e);
	/* The record is served to clients: the error's own message there,
	 * what the provider said (its body, hosts, paths) only in the log. */
	if (e != ERR_OK) {
		json_object_set_new(a, "error", json_string(
		    err_row_get(e)->message));
		log_set_request(s->env->log, json_string_value(
		    json_object_get(s->out->record, "request_id")));
		log_warn(s->env->log, "job %s: %s try %d failed (%s): %s",
		    json_string_value(json_object_get(s->out->record, "id")),
		    prov, try + 1, err_code(e), o != NULL && o->error[0] ?
		    o->error : "-");
		log_set_request(s->env->log, NULL);
	}
	if (o != NULL && o->http_status)
		json_object_set_new(a, "http_status", json_integer(
		    o->http_status));
	json_array_append_new(json_object_get(s->out->record, "attempts"), a);
	record_status_set(s->out->record, JOB_RUNNING);
	s->dirty = true;	/* saved before the generation waits again */
}

static void
image_add(struct run_state *s, const char *prov, const struct gen_image *img,
    const char *id, const struct store_result *r)
{
	json_array_append_new(json_object_get(s->out->record, "images"),
	    json_pack("{s:s,s:s,s:s?,s:s?,s:s,s:i,s:i,s:s,s:I,s:s,s:o,s:o}",
	    "id", id, "provider", prov, "provider_image_id",
	    img->provider_image_id, "source_url", img->url, "local_path",
	    r->rel_path, "width", (int)r->info.width, "height",
	    (int)r->info.height, "format", store_format_name(r->info.format),
	    "bytes", (json_int_t)r->bytes, "sha256", r->sha256, "nsfw",
	    img->nsfw < 0 ? json_null() : json_boolean(img->nsfw), "synthid",
	    img->synthid ? json_true() : json_null()));
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
	json_object_set_new(meta, "provider_prompt", json_pack("{s:s,s:I,s:I,"
	    "s:s}", "provider", pe->prov->name, "limit",
	    (json_int_t)pe->prompt_limit, "length", (json_int_t)c.chars,
	    "text", c.text));
	json_decref(c.kept);
	return c.text;
}

static void	pcs_put(struct pcs_snap *);
static void	place_give(struct run_state *, const char *);
static enum prov_next resume_begin(struct run_state *,
		    const struct plan_entry *);

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
	struct circuit_view v;

	if (e != ERR_OK)
		(void)after_of(e, &unwell);
	circuit_record(s->env->circuits, name, !unwell,
	    (int)s->env->cfg->circuit_failures,
	    s->env->cfg->circuit_cooldown_s * 1000, time_wall_ms());
	if (!unwell)
		return;
	/* Opened here: every other host opens it too (app/runner.c). */
	circuit_view_get(s->env->circuits, name, time_wall_ms(), &v);
	if (v.state == CIRCUIT_OPEN && v.open_until_ms > 0)
		(void)db_circuit_open(s->env->db, name, v.open_until_ms);
}

/* Takes the circuit trial / rate budget (this host's, then every
 * host's) at attempt time; false = skip. */
static bool
admit(struct run_state *s, const struct plan_entry *pe, int64_t *retry_at)
{
	int64_t now = time_wall_ms();

	int per_min = pe->pc ? pe->pc->rate_per_min : 0;
	bool ok = true;

	if (s->env->circuits == NULL)
		return true;
	if (!circuit_allow(s->env->circuits, pe->prov->name, now, retry_at))
		return false;
	if (!circuit_rate_take(s->env->circuits, pe->prov->name, per_min, now,
	    retry_at))
		return false;
	/* The budget every host shares; a database that does not answer
	 * leaves this host's count alone in force. */
	if (per_min > 0 && db_rate_take(s->env->db, pe->prov->name, per_min,
	    &ok) == ERR_OK && !ok) {
		*retry_at = now - now % 60000 + 60000;
		return false;
	}
	return true;
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

/* The final record to the spool (the database is down). A full spool
 * (SPOOL_MAX_BYTES) is ERR_STORAGE_FULL, 507 insufficient_storage, as
 * /health then says: the record is lost, and logged. */
static void
record_spool(struct run_state *s)
{
	const struct config *cfg = s->env->cfg;
	enum err e = spool_write(cfg->spool_dir, cfg->spool_max_bytes,
	    s->out->record);

	if (e != ERR_OK)
		log_error(s->env->log, "job %s could not be spooled to %s (%s): "
		    "its record is lost", json_string_value(json_object_get(
		    s->out->record, "id")), cfg->spool_dir, err_code(e));
}

static void
record_finish(struct run_state *s)
{
	json_t *r = s->out->record, *last;
	char now[32];
	size_t n = json_array_size(json_object_get(r, "attempts"));

	time_iso8601(now, sizeof(now));
	last = json_array_get(json_object_get(r, "attempts"), n ? n - 1 : 0);
	record_status_set(r, s->out->err == ERR_OK ? JOB_COMPLETED :
	    s->out->err == ERR_CANCELLED ? JOB_CANCELLED : JOB_FAILED);
	json_object_set_new(r, "completed_at", json_string(now));
	json_object_set_new(r, "generate_ms", json_real((double)(time_mono_ms()
	    - s->t0_ms)));
	if (s->out->err == ERR_OK)
		json_object_set(r, "provider", json_object_get(last, "provider"));
	else
		json_object_set_new(r, "error", json_pack("{s:s,s:o}", "code",
		    err_code(s->out->err), "message",
		    jx_text_new(s->out->message)));
	if (s->out->err != ERR_OK && s->out->retry_after_s > 0)
		json_object_set_new(json_object_get(r, "error"), "retry_after",
		    json_integer(s->out->retry_after_s));
	json_object_set_new(r, "resume", json_null());
	record_save(s, true);
	if (!s->db_ok) {
		json_array_append_new(json_object_get(r, "warnings"),
		    json_string("database unavailable: the job is kept on "
		    "local disk and written when the database is back"));
		record_spool(s);
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

/* ---- the driver: every generation is a state machine; one loop moves
 * all of a run's machines over one curl multi handle. ---- */

static const struct plan_entry *
current(const struct run_state *s)
{
	return &s->pl.v[s->cand];
}

/* The end of a generation: its error and Retry-After, which the client
 * and the job record get capped at RETRY_AFTER_CAP_S whatever the
 * provider asked. */
static void
finish(struct run_state *s, enum err e)
{
	bool quota = e == ERR_NO_PROVIDER || e == ERR_RATE_LIMITED;

	s->out->err = e;
	if (e != ERR_OK && s->earliest > 0 && quota)
		s->out->retry_after_s = MAX(1, (s->earliest - time_wall_ms() +
		    999) / 1000);
	else if (e == ERR_RATE_LIMITED && s->ra > 0)
		s->out->retry_after_s = s->ra;
	if (s->out->retry_after_s > 0)
		s->out->retry_after_s = MAX(1, MIN(s->out->retry_after_s,
		    s->env->cfg->retry_after_cap_s));
	s->phase = PH_DONE;
}

/* The end of a candidate: stop, or move to the next one. */
static void
candidate_end(struct run_state *s, enum err e)
{
	bool unwell;

	free(s->prompt);
	s->prompt = NULL;
	s->e = e;
	if (e == ERR_OK || after_of(e, &unwell) == AFTER_STOP) {
		finish(s, e);
		return;
	}
	s->cand++;
	s->phase = PH_PICK;
}

/* The end of a try: record it, then retry after a back-off or move on. */
static void
try_end(struct run_state *s, enum err e)
{
	const struct plan_entry *pe = current(s);
	int64_t now = time_mono_ms();
	bool unwell;
	long wait;

	if (s->job_live)
		prov_job_fini(&s->job);
	s->job_live = false;
	s->resumed = false;
	if (!json_is_null(json_object_get(s->out->record, "resume"))) {
		json_object_set_new(s->out->record, "resume", json_null());
		s->dirty = true;
	}
	place_give(s, pe->prov->name);
	attempt_add(s, pe->prov->name, s->try, e, (double)(now - s->try_t0),
	    &s->o);
	if (e == ERR_OK) {
		json_object_set_new(s->out->record, "provider_model",
		    json_string(s->o.model ? s->o.model : s->ctx.default_model));
		json_object_set(json_object_get(s->out->record, "prompt_meta"),
		    "provider_meta", s->o.meta);
	}
	s->ra = s->o.retry_after_s;
	gen_output_fini(&s->o);
	circuit_note(s, pe->prov->name, e);
	if (e == ERR_OK || after_of(e, &unwell) != AFTER_RETRY ||
	    s->try + 1 == s->tries || s->no_retry) {
		candidate_end(s, e);
		return;
	}
	wait = backoff_ms(s, s->try, s->ra);
	if (now + wait >= s->deadline_ms) {
		candidate_end(s, ERR_TIMEOUT);
		return;
	}
	s->try++;
	s->wake_ms = now + wait;
	s->phase = PH_WAIT;
}

/* What the provider's state machine asked for next. */
static void
follow(struct run_state *s, enum prov_next n)
{
	int64_t at = time_mono_ms() + s->job.req.delay_ms;

	if (n == PROV_NEXT_FAIL) {
		try_end(s, s->job.err != ERR_OK ? s->job.err :
		    ERR_BAD_RESPONSE);
	} else if (n == PROV_NEXT_DONE) {
		s->fetch_i = 0;
		s->fetch_tries = 0;
		s->phase = PH_FETCH;
		if (s->o.nimages == 0)
			try_end(s, ERR_NO_IMAGE);
	} else if (at >= s->deadline_ms) {
		snprintf(s->o.error, sizeof(s->o.error), "%s: the request "
		    "deadline passed", current(s)->prov->label);
		try_end(s, ERR_TIMEOUT);
	} else {
		s->wake_ms = at;
		s->phase = PH_SEND;
	}
}

static void
pick(struct run_state *s)
{
	const struct plan_entry *pe;
	int64_t retry_at;

	if (s->cand >= s->pl.nkept) {
		finish(s, s->e);
		return;
	}
	if (time_mono_ms() >= s->deadline_ms) {
		finish(s, ERR_TIMEOUT);
		return;
	}
	pe = current(s);
	if (!admit(s, pe, &retry_at)) {
		attempt_add(s, pe->prov->name, 0, ERR_RATE_LIMITED, 0, NULL);
		s->earliest = s->earliest && s->earliest < retry_at ?
		    s->earliest : retry_at;
		s->cand++;
		return;
	}
	if ((s->prompt = prompt_for(s, pe)) == NULL) {
		finish(s, ERR_NOMEM);
		return;
	}
	s->params = s->g->params;
	s->params.prompt = s->prompt;
	plan_ctx_init(s->env->cfg, pe->prov, pe->pc, &s->ctx);
	s->tries = 1 + (pe->pc ? pe->pc->max_retries : 2);
	s->try = 0;
	s->phase = PH_TRY;
}

/* The place of this host (the circuit map) is taken; the one shared by
 * every host (PostgreSQL) too, or the host's goes back. A database that
 * does not answer leaves the host's cap alone in force. */
static bool
place_take_shared(struct run_state *s, const char *prov, int max)
{
	const char *job = json_string_value(json_object_get(s->out->record,
	    "id"));
	bool ok = false;

	if (db_place_take(s->env->db, prov, job, max, &ok) != ERR_OK)
		return true;
	if (ok) {
		s->shared_place = true;
		return true;
	}
	circuit_release(s->env->circuits, prov, s->place);
	s->place = -1;
	return false;
}

/* Gives back the places of the call that ended (host's and shared). */
static void
place_give(struct run_state *s, const char *prov)
{
	if (s->env->circuits != NULL)
		circuit_release(s->env->circuits, prov, s->place);
	s->place = -1;
	if (s->shared_place)
		(void)db_place_give(s->env->db, prov, json_string_value(
		    json_object_get(s->out->record, "id")));
	s->shared_place = false;
}

/* A place for the call when the provider caps calls in flight
 * (max_concurrent). false when there is none: s waits (PH_QUEUE), or
 * its deadline came first and the candidate ended. */
static bool
place_take(struct run_state *s)
{
	const struct plan_entry *pe = current(s);
	int max = pe->pc ? pe->pc->max_concurrent : 0;
	int64_t now = time_mono_ms();

	if (max <= 0 || s->env->circuits == NULL || (circuit_hold(
	    s->env->circuits, pe->prov->name, max, (int)getpid(), &s->place) &&
	    place_take_shared(s, pe->prov->name, max))) {
		s->queued_at = 0;
		return true;
	}
	if (s->queued_at == 0)
		s->queued_at = now;
	if (now + QUEUE_POLL_MS < s->deadline_ms) {
		s->wake_ms = now + QUEUE_POLL_MS;
		s->phase = PH_QUEUE;
		return false;
	}
	attempt_add(s, pe->prov->name, s->try, ERR_TIMEOUT, (double)(now -
	    s->queued_at), NULL);
	json_object_set_new(json_array_get(json_object_get(s->out->record,
	    "attempts"), json_array_size(json_object_get(s->out->record,
	    "attempts")) - 1), "error", json_string("every place of the "
	    "provider (max_concurrent) stayed taken until the deadline"));
	s->queued_at = 0;
	candidate_end(s, ERR_TIMEOUT);
	return false;
}

static void
try_begin(struct run_state *s)
{
	const struct plan_entry *pe = current(s);

	if (!place_take(s))
		return;

	if (record_status(s->out->record) != JOB_RUNNING) {
		/* The row says so while the first call is in flight. */
		record_status_set(s->out->record, JOB_RUNNING);
		s->dirty = true;
	}
	gen_output_init(&s->o);
	s->try_t0 = time_mono_ms();
	s->no_retry = false;
	prov_job_init(&s->job, pe->prov, &s->ctx, &s->params, &s->o);
	s->job_live = true;
	if (s->resumed)
		follow(s, resume_begin(s, pe));
	else
		follow(s, pe->prov->begin(&s->job));
}

static void
call_send(struct run_state *s)
{
	struct http_request hr;

	prov_http_request(&s->job, s->deadline_ms, &hr);
	(void)http_xfer_start(s->env->multi, &s->x, &hr);
	s->phase = PH_CALL;		/* a failed start is done already */
}

static void
call_reply(struct run_state *s)
{
	struct prov_reply reply;
	enum prov_next n;
	enum err e = s->x.err;

	if (e != ERR_OK) {
		snprintf(s->o.error, sizeof(s->o.error), "%s: %s",
		    current(s)->prov->label, s->x.why);
		http_xfer_fini(s->env->multi, &s->x);
		try_end(s, e);
		return;
	}
	reply = (struct prov_reply){ s->x.res.status, s->x.res.body,
	    s->x.res.len, s->x.res.retry_after_s };
	n = current(s)->prov->step(&s->job, &reply);
	http_xfer_fini(s->env->multi, &s->x);
	follow(s, n);
}

static void
fetch_of(const struct run_state *s, struct fetch_ctx *f)
{
	*f = (struct fetch_ctx){ s->env->cfg, s->ctx.base_url,
	    current(s)->prov->name, s->g->project_id, MIN(s->ctx.timeout_ms,
	    MAX(1, s->deadline_ms - time_mono_ms())), s->env->log,
	    json_string_value(json_object_get(s->out->record, "id")) };
}

/* A try whose images could not all be stored: remove the ones that were. */
static void
fetch_undo(struct run_state *s, enum err e)
{
	size_t i;

	for (i = 0; i < s->fetch_i; i++)
		unlink(s->stored[i].abs_path);
	try_end(s, e);
}

static void
fetch_next(struct run_state *s)
{
	const struct gen_image *img = &s->o.images[s->fetch_i];
	struct http_request hr;
	struct fetch_ctx f;
	size_t i;
	enum err e;

	if (s->fetch_i == s->o.nimages) {
		json_array_clear(json_object_get(s->out->record, "images"));
		for (i = 0; i < s->o.nimages; i++)
			image_add(s, current(s)->prov->name, &s->o.images[i],
			    s->ids[i], &s->stored[i]);
		try_end(s, ERR_OK);
		return;
	}
	fetch_of(s, &f);
	if (img->data != NULL)
		e = fetch_keep(&f, NULL, img->data, img->len, s->ids[s->fetch_i],
		    &s->stored[s->fetch_i], s->o.error, sizeof(s->o.error));
	else if ((e = fetch_request(&f, img->url, &hr, s->o.error,
	    sizeof(s->o.error))) == ERR_OK) {
		(void)http_xfer_start(s->env->multi, &s->x, &hr);
		s->phase = PH_GET;
		return;
	} else
		s->no_retry = true;	/* a URL we never fetch */
	if (e != ERR_OK)
		fetch_undo(s, e);
	else
		s->fetch_i++;
}

/* A failed download: again (the image is paid for already) while the
 * failure may pass and tries and time are left; else the candidate ends
 * (never a new generation on it for a download). */
static void
fetch_retry(struct run_state *s, enum err e)
{
	bool unwell;
	long wait = backoff_ms(s, s->fetch_tries, -1);

	if (after_of(e, &unwell) == AFTER_RETRY && s->fetch_tries + 1 <
	    DOWNLOAD_TRIES && time_mono_ms() + wait < s->deadline_ms) {
		s->fetch_tries++;
		s->wake_ms = time_mono_ms() + wait;
		s->phase = PH_REGET;
		return;
	}
	if (after_of(e, &unwell) == AFTER_RETRY)
		s->no_retry = true;
	fetch_undo(s, e);
}

static void
fetch_reply(struct run_state *s)
{
	const char *url = s->o.images[s->fetch_i].url;
	struct fetch_ctx f;
	enum err e;

	fetch_of(s, &f);
	if ((e = fetch_answer(&f, s->x.err, s->x.why, &s->x.res, url,
	    s->o.error, sizeof(s->o.error))) == ERR_OK)
		e = fetch_keep(&f, url, (const unsigned char *)s->x.res.body,
		    s->x.res.len, s->ids[s->fetch_i], &s->stored[s->fetch_i],
		    s->o.error, sizeof(s->o.error));
	http_xfer_fini(s->env->multi, &s->x);
	if (e == ERR_IMAGE_URL_REFUSED)
		s->no_retry = true;	/* an address we never fetch from */
	if (e != ERR_OK) {
		fetch_retry(s, e);
		return;
	}
	s->fetch_i++;
	s->fetch_tries = 0;
	s->phase = PH_FETCH;
}

static void
try_again(struct run_state *s)
{
	s->phase = PH_TRY;
}

static bool
woken(const struct run_state *s)
{
	return time_mono_ms() >= s->wake_ms;
}

static bool
transferred(const struct run_state *s)
{
	return s->x.done;
}

/* Each phase: when it can run (NULL: at once) and what it does. */
static const struct {
	bool	(*ready)(const struct run_state *);
	void	(*run)(struct run_state *);
} phases[] = {
	[PH_PICK]  = { NULL,		pick },
	[PH_TRY]   = { NULL,		try_begin },
	[PH_SEND]  = { woken,		call_send },
	[PH_CALL]  = { transferred,	call_reply },
	[PH_FETCH] = { NULL,		fetch_next },
	[PH_GET]   = { transferred,	fetch_reply },
	[PH_WAIT]  = { woken,		try_again },
	[PH_QUEUE] = { woken,		try_begin },
	[PH_REGET] = { woken,		fetch_next },
};

/* Before a wait on a provider's job: what a runner taking this job
 * over needs to poll it instead of starting (and paying) again. */
static void
resume_note(struct run_state *s)
{
	json_t *r = s->out->record;

	if (!s->job_live || s->job.remote_id[0] == '\0' ||
	    current(s)->prov->resume == NULL ||
	    !json_is_null(json_object_get(r, "resume")))
		return;
	json_object_set_new(r, "resume", json_pack("{s:s,s:s,s:i}",
	    "provider", current(s)->prov->name, "remote_id", s->job.remote_id,
	    "try", s->try));
	s->dirty = true;
}

/* Moves s on as far as it goes without waiting. New attempts (and what
 * resuming needs) are saved before it waits on anything (at the end,
 * record_finish() saves them with the outcome in one write). */
static void
advance(struct run_state *s)
{
	while (s->phase != PH_DONE && (phases[s->phase].ready == NULL ||
	    phases[s->phase].ready(s)))
		phases[s->phase].run(s);
	if (s->phase != PH_DONE)
		resume_note(s);
	if (s->dirty && s->phase != PH_DONE)
		record_save(s, false);
	s->dirty = s->dirty && s->phase == PH_DONE;
}

/* The request of a job a runner left while it polled the provider:
 * the same poll, on the same candidate, without a new paid call. */
static enum prov_next
resume_begin(struct run_state *s, const struct plan_entry *pe)
{
	const char *id = json_string_value(json_object_get(json_object_get(
	    s->out->record, "resume"), "remote_id"));

	snprintf(s->job.remote_id, sizeof(s->job.remote_id), "%s", id);
	log_info(s->env->log, "job %s: resuming %s job %s",
	    json_string_value(json_object_get(s->out->record, "id")),
	    pe->prov->name, id);
	return pe->prov->resume(&s->job);
}

/* A record that says a provider's job was in flight: go straight to it. */
static void
resume_find(struct run_state *s)
{
	const json_t *rs = json_object_get(s->out->record, "resume");
	const char *prov = json_string_value(json_object_get(rs, "provider"));
	size_t i;

	if (prov == NULL || json_string_value(json_object_get(rs,
	    "remote_id")) == NULL)
		return;
	for (i = 0; i < s->pl.n; i++)
		if (strcmp(s->pl.v[i].prov->name, prov) == 0 &&
		    s->pl.v[i].prov->resume != NULL)
			break;
	if (i == s->pl.n)
		return;
	if (i >= s->pl.nkept) {		/* skipped now (circuit): still ours */
		struct plan_entry t = s->pl.v[i];

		memmove(&s->pl.v[s->pl.nkept + 1], &s->pl.v[s->pl.nkept],
		    (i - s->pl.nkept) * sizeof(t));
		s->pl.v[s->pl.nkept] = t;
		i = s->pl.nkept++;
	}
	s->cand = i;
	s->resumed = true;
}

/* Plans s, whose record is the queued job's. A plan that fails on the
 * request (the configuration changed since it was queued) fails it. */
static void
item_open(struct run_state *s)
{
	enum err e;

	s->out->retry_after_s = -1;
	s->t0_ms = time_mono_ms();
	s->deadline_ms = s->item->deadline_ms > 0 ? s->item->deadline_ms :
	    s->t0_ms + s->env->cfg->generate_timeout_s * 1000;
	s->db_ok = true;
	s->ra = -1;
	s->e = ERR_NO_PROVIDER;
	s->x.done = true;
	s->place = -1;
	s->phase = PH_PICK;
	plan_for(s, &s->pl, s->out->message, sizeof(s->out->message), &e);
	if (e != ERR_OK) {
		finish(s, e);
		return;
	}
	s->earliest = s->pl.earliest_retry_ms;
	resume_find(s);
	if (s->pl.nkept == 0) {
		message_none(s, &s->pl);
		finish(s, ERR_NO_PROVIDER);
	}
}

static void
item_close(struct run_state *s)
{
	if (s->out->err != ERR_OK && s->out->message[0] == '\0')
		message_failed(s);
	record_finish(s);
}

/* Stops s wherever it is (cancelled): its transfer, its provider job
 * and its place go. */
static void
item_abort(struct run_state *s, enum err e, const char *why)
{
	if (!s->x.done || s->x.easy != NULL)
		http_xfer_fini(s->env->multi, &s->x);
	if (s->job_live)
		prov_job_fini(&s->job);
	s->job_live = false;
	if (s->cand < s->pl.n)
		place_give(s, current(s)->prov->name);
	if (s->phase == PH_FETCH || s->phase == PH_GET || s->phase == PH_REGET)
		for (size_t i = 0; i < s->fetch_i; i++)
			unlink(s->stored[i].abs_path);
	gen_output_fini(&s->o);
	free(s->prompt);
	s->prompt = NULL;
	snprintf(s->out->message, sizeof(s->out->message), "%s", why);
	finish(s, e);
}

/* The provider_configs snapshot for a new generation (read at the last
 * engine_refresh()); the caller holds a reference. */
static struct pcs_snap *
pcs_get(struct engine *en)
{
	if (en->pcs == NULL)
		engine_refresh(en);
	if (en->pcs != NULL)
		en->pcs->refs++;
	return en->pcs;
}

void
engine_refresh(struct engine *en)
{
	struct pcs_snap *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return;
	if (db_provider_configs_load(en->env->db, p->v, PLAN_MAX, &p->n))
		p->n = 0;		/* defaults; the saves notice */
	p->refs = 1;			/* the engine's */
	pcs_put(en->pcs);
	en->pcs = p;
}

static void
pcs_put(struct pcs_snap *p)
{
	if (p != NULL && --p->refs == 0)
		free(p);
}

struct engine *
engine_new(struct engine_env *env)
{
	struct engine *en = calloc(1, sizeof(*en));

	if (en != NULL)
		en->env = env;
	return en;
}

void
engine_free(struct engine *en)
{
	size_t i;

	if (en == NULL)
		return;
	for (i = 0; i < en->n; i++) {
		item_abort(en->v[i], ERR_INTERNAL, "the runner stopped");
		pcs_put(en->v[i]->snap);
		free(en->v[i]);
	}
	pcs_put(en->pcs);
	free(en->v);
	free(en);
}

enum err
engine_add(struct engine *en, struct engine_item *it)
{
	struct run_state *s, **nv;

	if (it->out.record == NULL)
		return ERR_INVALID_FIELD;
	if (en->n == en->cap) {
		nv = realloc(en->v, (en->cap ? en->cap * 2 : 16) * sizeof(*nv));
		if (nv == NULL)
			return ERR_NOMEM;
		en->v = nv;
		en->cap = en->cap ? en->cap * 2 : 16;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_NOMEM;
	if ((s->snap = pcs_get(en)) == NULL) {
		free(s);
		return ERR_NOMEM;
	}
	it->out.err = ERR_OK;
	it->out.message[0] = '\0';
	*s = (struct run_state){ .env = en->env, .item = it, .g = it->g,
	    .p = it->p, .out = &it->out, .snap = s->snap, .pcs = s->snap->v,
	    .npcs = s->snap->n };
	en->v[en->n++] = s;
	item_open(s);
	return ERR_OK;
}

size_t
engine_busy(const struct engine *en)
{
	return en->n;
}

bool
engine_cancel(struct engine *en, const char *id)
{
	size_t i;

	for (i = 0; i < en->n; i++)
		if (en->v[i]->phase != PH_DONE && en->v[i]->out->record &&
		    strcmp(json_string_value(json_object_get(
		    en->v[i]->out->record, "id")), id) == 0) {
			item_abort(en->v[i], ERR_CANCELLED, "the job was "
			    "cancelled (DELETE)");
			return true;
		}
	return false;
}

/* How long the loop may sleep: until the earliest timed wake-up. */
static long
idle_ms(const struct engine *en, long max_ms)
{
	int64_t now = time_mono_ms(), wake = now + max_ms;
	size_t i;

	for (i = 0; i < en->n; i++) {
		const struct run_state *s = en->v[i];

		if (s->phase == PH_DONE)
			return 0;
		if (phases[s->phase].ready == woken && s->wake_ms < wake)
			wake = s->wake_ms;
	}
	return (long)MAX(0, wake - now);
}

size_t
engine_step(struct engine *en, long max_wait_ms, int fd,
    struct engine_item **done, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < en->n; i++)
		advance(en->v[i]);
	if (http_multi_run(en->env->multi, idle_ms(en, max_wait_ms), fd) !=
	    ERR_OK) {
		log_error(en->env->log, "curl multi failed; retrying");
		usleep(10000);		/* never a hot loop */
	}
	for (i = 0; i < en->n; i++)
		advance(en->v[i]);
	for (i = 0; i < en->n && k < max; ) {
		struct run_state *s = en->v[i];

		if (s->phase != PH_DONE) {
			i++;
			continue;
		}
		item_close(s);
		done[k++] = s->item;
		pcs_put(s->snap);
		free(s);
		en->v[i] = en->v[--en->n];
	}
	return k;
}

/* The plan of g with provider_configs pcs[0..npcs), nothing called. */
static enum err
plan_only(struct engine_env *env, const struct genreq *g,
    const struct db_provider_config *pcs, size_t npcs, struct plan *pl,
    char *why, size_t whylen)
{
	struct run_state s;
	enum err e;

	memset(&s, 0, sizeof(s));
	s.env = env;
	s.g = g;
	s.pcs = pcs;
	s.npcs = npcs;
	plan_for(&s, pl, why, whylen, &e);
	return e;
}

json_t *
engine_dry_run(struct engine_env *env, const struct genreq *g, char *why,
    size_t whylen)
{
	struct db_provider_config pcs[PLAN_MAX];
	struct plan pl;
	size_t npcs = 0;

	if (db_provider_configs_load(env->db, pcs, PLAN_MAX, &npcs))
		npcs = 0;
	return plan_only(env, g, pcs, npcs, &pl, why, whylen) == ERR_OK ?
	    plan_render(&pl) : NULL;
}

enum err
engine_plan_check(struct engine_env *env, const struct genreq *g,
    const struct db_provider_config *pcs, size_t npcs, char *why,
    size_t whylen)
{
	struct plan pl;

	return plan_only(env, g, pcs, npcs, &pl, why, whylen);
}
