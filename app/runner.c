/*
 * app/runner.c - the runner's loop: claim, prepare, drive, finish.
 * Not here: the state machines (lib/gen/engine.c), SQL (lib/db/queue.c),
 * waiting clients (waiter.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/master.h"
#include "app/runner.h"
#include "app/waiter.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/jobs.h"
#include "lib/db/queue.h"
#include "lib/db/spool.h"
#include "lib/storage/sweep.h"
#include "lib/gen/deliver.h"
#include "lib/gen/engine.h"
#include "lib/gen/record.h"
#include "lib/metrics/metrics.h"
#include "lib/ollama/ollama.h"
#include "lib/prompt/analyze.h"
#include "lib/prompt/lexicon.h"
#include "lib/prompt/optimize.h"
#include "lib/prompt/validate.h"
#include "lib/providers/registry.h"

#define CLAIM_POLL_MS	1000	/* claims without a NOTIFY, at the latest */
#define REAP_EVERY_MS	5000
#define RENEW_RETRY_MS	100	/* a renewal that failed, again after */
#define CIRCUITS_EVERY_MS 500	/* circuits other hosts opened, read */
#define SPOOL_EVERY_MS	1000	/* spooled records written back */
#define SPOOL_BATCH	50	/* at most, per tick */
#define STEP_MAX_MS	250
#define DONE_MAX	64

/* One claimed job: its record and what the engine borrows from it;
 * while its prompt is being shortened, the Ollama call in flight. */
struct rjob {
	struct genreq		 g;
	struct engine_prompt	 p;
	struct engine_item	 it;	/* it.out.record: the record (owned) */
	struct prompt_check	 c;
	struct prompt_opt_call	 oc;
	struct http_xfer	 x;
	bool			 prompt_only;	/* a validate-prompt job */
};

struct runner {
	const struct config	*cfg;
	struct log		 log;
	struct db		 db;
	struct http_client	 http;
	struct http_multi	 multi;
	struct ollama		 ollama;
	struct prompt_lexicon	*lexicon;
	struct circuit_shm	*circuits;
	struct metrics_shm	*metrics;	/* shared with the workers */
	struct engine_env	 env;
	struct engine		*en;
	struct deliver		*hooks;		/* webhooks of finished jobs */
	struct rjob		**prep;		/* prompts with Ollama */
	size_t			 nprep, capprep;
	char			 id[160];	/* host:pid */
	bool			 wake;		/* a job was queued */
	int64_t			 claim_at, renew_at, reap_at, circuits_at;
	int64_t			 spool_at;
};

static volatile sig_atomic_t stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Channels the runner LISTENs on (after every connect). */
static const char *const runner_channels[] = {
	DB_CHANNEL_QUEUED, DB_CHANNEL_CANCEL, NULL
};

/* The shortened prompt into the record: final text, its metadata and
 * the time it took (rjob_start() adds the analysis). */
static void
rjob_prompt_set(json_t *rec, const struct prompt_optimized *o)
{
	json_t *meta = json_pack("{s:o}", "prompt_validation",
	    prompt_optimized_render(o));

	json_object_set_new(rec, "prompt_meta", meta);
	json_object_set_new(rec, "prompt_final", json_string(o->text));
	json_object_set_new(rec, "optimize_ms", json_real(o->optimization_ms));
}

static void
rjob_free(struct runner *r, struct rjob *j)
{
	if (j == NULL)
		return;
	if (!j->x.done || j->x.easy != NULL)
		http_xfer_fini(&r->multi, &j->x);
	prompt_opt_call_fini(&j->oc);
	prompt_check_fini(&j->c);
	json_decref(j->it.out.record);
	free(j);
}

/* A job that cannot run: failed in its record, and dropped. */
static void
rjob_fail(struct runner *r, struct rjob *j, const char *why)
{
	json_t *rec = j->it.out.record;

	log_error(&r->log, "job %s: %s", json_string_value(json_object_get(
	    rec, "id")), why);
	if (j->prompt_only) {		/* the reaper ends it at its deadline */
		rjob_free(r, j);
		return;
	}
	record_status_set(rec, JOB_FAILED);
	json_object_set_new(rec, "error", json_pack("{s:s,s:s}", "code",
	    err_code(ERR_INTERNAL), "message", why));
	(void)db_jobs_save(&r->db, rec);
	rjob_free(r, j);
}

/* The job goes to the engine (its prompt is final). */
static void
rjob_start(struct runner *r, struct rjob *j)
{
	json_t *rec = j->it.out.record;

	struct prompt_analysis a;
	json_t *meta = json_object_get(rec, "prompt_meta");

	if (record_genreq(rec, &j->g) != ERR_OK) {
		rjob_fail(r, j, "the queued request could not be read back");
		return;
	}
	if (json_is_object(meta) && json_object_get(meta, "analysis") == NULL &&
	    prompt_analyze(r->lexicon, json_string_value(json_object_get(rec,
	    "prompt_final")), &a) == ERR_OK)
		json_object_set_new(meta, "analysis",
		    prompt_analysis_render(&a));
	j->p = (struct engine_prompt){ j->g.params.prompt,
	    json_string_value(json_object_get(rec, "prompt_final")),
	    json_object_get(rec, "prompt_meta"), json_number_value(
	    json_object_get(rec, "optimize_ms")) };
	j->it.g = &j->g;
	j->it.p = &j->p;
	if (engine_add(r->en, &j->it) != ERR_OK)
		rjob_fail(r, j, "out of memory");
}

/* j's prompt text (to target characters) goes to Ollama: the call joins
 * the transfers of the generations. */
static void
rjob_prep_start(struct runner *r, struct rjob *j, const char *text,
    long target)
{
	struct rjob **nv;

	if (prompt_optimize_start(&r->ollama, text, target,
	    r->cfg->ollama_timeout_ms, &j->oc) != ERR_OK) {
		rjob_fail(r, j, "the prompt could not be prepared");
		return;
	}
	if (r->nprep == r->capprep) {
		if ((nv = realloc(r->prep, (r->capprep * 2 + 16) *
		    sizeof(*nv))) == NULL) {
			rjob_fail(r, j, "out of memory");
			return;
		}
		r->prep = nv;
		r->capprep = r->capprep * 2 + 16;
	}
	(void)http_xfer_start(&r->multi, &j->x, &j->oc.call.req);
	r->prep[r->nprep++] = j;
}

/* A generation whose prompt is over the threshold: shortened first. */
static void
rjob_prep(struct runner *r, struct rjob *j)
{
	const struct config *cfg = r->cfg;
	struct prompt_limits lim = { cfg->prompt_max_chars,
	    cfg->prompt_optimize_above, cfg->prompt_target_chars };
	const char *text = json_string_value(json_object_get(j->it.out.record,
	    "prompt_original"));
	char why[256];

	if (prompt_validate(text, strlen(text), &lim, &j->c, why,
	    sizeof(why)) != ERR_OK) {
		rjob_fail(r, j, "the prompt could not be prepared");
		return;
	}
	rjob_prep_start(r, j, j->c.normalized, lim.target_chars);
}

/* A validate-prompt job ends: its answer with the optimized prompt. */
static void
rjob_prompt_finish(struct runner *r, struct rjob *j,
    const struct prompt_optimized *o)
{
	json_t *rec = j->it.out.record, *ans = json_deep_copy(
	    json_object_get(rec, "answer")), *opt = prompt_optimized_render(o);
	const char *id = json_string_value(json_object_get(rec, "id"));

	json_object_set_new(opt, "prompt", json_string(o->text));
	json_object_set_new(ans, "optimized", opt);
	if (db_prompt_finish(&r->db, id, ans) != ERR_OK)
		log_warn(&r->log, "prompt job %s not saved; it is retried "
		    "after its lease", id);
	json_decref(ans);
	rjob_free(r, j);
}

/* Prompts whose Ollama call ended go on to the engine. */
static void
runner_preps(struct runner *r)
{
	struct prompt_optimized o;
	struct rjob *j;
	size_t i;

	for (i = 0; i < r->nprep; ) {
		j = r->prep[i];
		if (!j->x.done) {
			i++;
			continue;
		}
		if (prompt_optimize_again(&j->oc, j->x.err, &j->x.res,
		    r->cfg->ollama_timeout_ms)) {
			http_xfer_fini(&r->multi, &j->x);
			(void)http_xfer_start(&r->multi, &j->x,
			    &j->oc.call.req);
			i++;
			continue;
		}
		r->prep[i] = r->prep[--r->nprep];
		if (prompt_optimize_end(r->lexicon, &j->oc, j->x.err, j->x.why,
		    &j->x.res, &o) != ERR_OK) {
			prompt_optimized_fini(&o);
			rjob_fail(r, j, "the prompt could not be shortened");
			continue;
		}
		metrics_prompt(r->metrics, metrics_opt_of(o.method),
		    o.original_length, o.optimized_length,
		    o.fallback_reason != NULL);
		if (o.internal[0] != '\0')
			log_warn(&r->log, "job %s: Ollama fell back (%s): %s",
			    json_string_value(json_object_get(j->it.out.record,
			    "id")), o.fallback_reason ? o.fallback_reason : "-",
			    o.internal);
		http_xfer_fini(&r->multi, &j->x);
		if (j->prompt_only)
			rjob_prompt_finish(r, j, &o);
		else {
			rjob_prompt_set(j->it.out.record, &o);
			rjob_start(r, j);
		}
		prompt_optimized_fini(&o);
	}
}

/* Drops a cancelled job whose prompt is still with Ollama. */
static bool
runner_prep_cancel(struct runner *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->nprep; i++)
		if (strcmp(json_string_value(json_object_get(
		    r->prep[i]->it.out.record, "id")), id) == 0) {
			rjob_free(r, r->prep[i]);
			r->prep[i] = r->prep[--r->nprep];
			return true;
		}
	return false;
}

/* A claimed record (taken) on its way: to Ollama first when its prompt
 * is to be shortened, else to the engine. */
static void
rjob_begin(struct runner *r, json_t *rec)
{
	struct rjob *j = calloc(1, sizeof(*j));
	json_t *left = json_object_get(rec, "deadline_in_ms");

	if (j == NULL) {
		json_decref(rec);
		return;
	}
	j->it.out.record = rec;
	j->it.user = j;
	j->x.done = true;
	log_set_request(&r->log, json_string_value(json_object_get(rec,
	    "request_id")));
	log_info(&r->log, "job %s claimed (claim %lld)", json_string_value(
	    json_object_get(rec, "id")), (long long)json_integer_value(
	    json_object_get(rec, "claims")));
	log_set_request(&r->log, NULL);
	j->it.deadline_ms = time_mono_ms() + (json_is_number(left) ?
	    (int64_t)json_number_value(left) : r->cfg->generate_timeout_s *
	    1000);
	if (json_is_null(json_object_get(rec, "prompt_final")))
		rjob_prep(r, j);
	else
		rjob_start(r, j);
}

/* Claims validate-prompt jobs (up to room) and sends them to Ollama. */
static void
runner_claim_prompts(struct runner *r, long room)
{
	json_t *jobs = NULL, *pj, *left;
	struct rjob *j;
	size_t i;

	if (room <= 0 || db_prompt_claim(&r->db, r->id, r->cfg->runner_lease_s,
	    MIN(room, 256), &jobs) != ERR_OK)
		return;
	json_array_foreach(jobs, i, pj) {
		if ((j = calloc(1, sizeof(*j))) == NULL)
			break;
		j->it.out.record = json_incref(pj);
		j->prompt_only = true;
		j->x.done = true;
		left = json_object_get(pj, "deadline_in_ms");
		j->it.deadline_ms = time_mono_ms() + (int64_t)json_number_value(
		    left);
		rjob_prep_start(r, j, json_string_value(json_object_get(
		    json_object_get(pj, "request"), "text")),
		    (long)json_integer_value(json_object_get(json_object_get(pj,
		    "request"), "target")));
	}
	if (json_array_size(jobs) == (size_t)MIN(room, 256))
		r->wake = true;
	json_decref(jobs);
}

/* Claims what there is room for and starts it. */
static void
runner_claim(struct runner *r)
{
	long room = r->cfg->runner_max_inflight - (long)engine_busy(r->en) -
	    (long)r->nprep;
	json_t *jobs = NULL, *rec;
	size_t i;

	r->wake = false;
	r->claim_at = time_mono_ms() + CLAIM_POLL_MS;
	if (room <= 0 || db_queue_claim(&r->db, r->id, r->cfg->runner_lease_s,
	    MIN(room, 256), &jobs) != ERR_OK)
		return;
	if (json_array_size(jobs) > 0)
		engine_refresh(r->en);	/* settings as of this claim */
	json_array_foreach(jobs, i, rec)
		rjob_begin(r, json_incref(rec));
	runner_claim_prompts(r, room - (long)json_array_size(jobs));
	if (json_array_size(jobs) == (size_t)MIN(room, 256))
		r->wake = true;		/* there may be more */
	json_decref(jobs);
}

/* Circuits another host opened: opened here too, until the same time. */
static void
runner_circuits(struct runner *r)
{
	json_t *open = NULL, *c;
	size_t i;

	if (db_circuits_open_get(&r->db, &open) != ERR_OK)
		return;
	json_array_foreach(open, i, c)
		circuit_force_open(r->circuits, json_string_value(
		    json_object_get(c, "provider")), (int64_t)json_number_value(
		    json_object_get(c, "until_ms")));
	json_decref(open);
}

/* Spooled records (jobs that ended while the database was down) back
 * into the database; a record that cannot go is set aside (poison/). */
static void
runner_spool(struct runner *r)
{
	struct spool_tally t;
	enum err e;

	if (spool_count(r->cfg->spool_dir) == 0)
		return;
	e = spool_replay(&r->db, r->cfg->spool_dir, SPOOL_BATCH,
	    (int)r->cfg->spool_replay_tries, &t);
	if (t.replayed > 0)
		log_info(&r->log, "%d spooled job records written", t.replayed);
	if (t.retried + t.poisoned > 0)
		log_warn(&r->log, "spooled records: %d failed (tried again "
		    "later), %d set aside in %s/poison", t.retried, t.poisoned,
		    r->cfg->spool_dir);
	if (e != ERR_OK)
		log_info(&r->log, "spool replay waits for the database");
}

/* Leases, the reaper and the spool, each on its own clock. */
static void
runner_chores(struct runner *r)
{
	int64_t now = time_mono_ms();
	long n = 0;

	/* A failed renewal (the database was away) is tried again at once:
	 * the leases must be ours again before another runner sees them
	 * lapsed. */
	if (now >= r->renew_at) {
		r->renew_at = db_queue_renew(&r->db, r->id,
		    r->cfg->runner_lease_s) == ERR_OK ? now +
		    r->cfg->runner_lease_s * 1000 / 3 : now + RENEW_RETRY_MS;
	}
	if (now >= r->spool_at) {
		r->spool_at = now + SPOOL_EVERY_MS;
		runner_spool(r);
	}
	if (now >= r->circuits_at) {
		r->circuits_at = now + CIRCUITS_EVERY_MS;
		runner_circuits(r);
	}
	if (now < r->reap_at)
		return;
	r->reap_at = now + REAP_EVERY_MS;
	if (db_queue_reap(&r->db, &n) == ERR_OK && n > 0)
		log_warn(&r->log, "%ld jobs failed: past their deadline with "
		    "no runner", n);
	(void)db_rate_prune(&r->db);
}

/* NOTIFYs: a queued job wakes the claim, a cancel stops its generation. */
static void
runner_notices(struct runner *r)
{
	char ch[64], payload[128];

	while (db_notify_next(&r->db, ch, sizeof(ch), payload,
	    sizeof(payload))) {
		if (strcmp(ch, DB_CHANNEL_QUEUED) == 0)
			r->wake = true;
		else if (strcmp(ch, DB_CHANNEL_CANCEL) == 0 &&
		    (engine_cancel(r->en, payload) ||
		    runner_prep_cancel(r, payload)))
			log_info(&r->log, "job %s cancelled", payload);
	}
}

/* enum job_status of a finished job -> how metrics name its end. */
static enum metrics_gen
runner_gen_of(const json_t *rec)
{
	switch (record_status(rec)) {
	case JOB_COMPLETED:
		return METRICS_GEN_COMPLETED;
	case JOB_CANCELLED:
		return METRICS_GEN_CANCELLED;
	default:
		return METRICS_GEN_FAILED;
	}
}

/* "leonardo_ai#1 timeout 2001 ms, runware_ai#1 ok 350 ms" into buf. */
static void
runner_attempts_text(const json_t *rec, char *buf, size_t len)
{
	const json_t *a;
	size_t i, o = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(rec, "attempts"), i, a) {
		if (o >= len)
			break;
		o += (size_t)snprintf(buf + o, len - o, "%s%s#%lld %s %.0f ms",
		    i ? ", " : "", json_string_value(json_object_get(a,
		    "provider")), (long long)json_integer_value(json_object_get(
		    a, "try")), json_string_value(json_object_get(a,
		    "outcome")), json_number_value(json_object_get(a, "ms")));
	}
}

/* A finished generation: counted, and logged with its request id. */
static void
runner_done(struct runner *r, const struct engine_item *it)
{
	const json_t *rec = it->out.record, *all = json_object_get(rec,
	    "attempts");
	const char *prov = json_string_value(json_object_get(rec, "provider"));
	char tries[1024];

	if (prov == NULL)	/* failed: the provider it tried last */
		prov = json_string_value(json_object_get(json_array_get(all,
		    json_array_size(all) - 1), "provider"));
	metrics_generation(r->metrics, metrics_provider_slot(
	    prov_registry_index(prov), prov_registry_count),
	    runner_gen_of(rec), (int64_t)(json_number_value(json_object_get(rec,
	    "generate_ms")) * 1000));
	runner_attempts_text(rec, tries, sizeof(tries));
	log_set_request(&r->log, json_string_value(json_object_get(rec,
	    "request_id")));
	log_info(&r->log, "job %s %s (provider %s) after %zu attempts: %s",
	    json_string_value(json_object_get(rec, "id")),
	    it->out.err == ERR_OK ? "completed" : err_code(it->out.err),
	    prov ? prov : "none", json_array_size(all), tries);
	log_set_request(&r->log, NULL);
}

static void
runner_finish(struct runner *r, struct engine_item **done, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		runner_done(r, done[i]);
		deliver_add(r->hooks, done[i]->out.record);
		rjob_free(r, done[i]->user);
	}
}

static void
runner_loop(struct runner *r)
{
	struct engine_item *done[DONE_MAX];
	int64_t stop_at = 0;
	long wait;
	size_t n;

	while (!stopping || (engine_busy(r->en) + r->nprep +
	    deliver_pending(r->hooks) > 0 &&
	    time_mono_ms() < stop_at)) {
		if (stopping && stop_at == 0) {
			stop_at = time_mono_ms() + r->cfg->runner_grace_s * 1000;
			log_info(&r->log, "stopping: %zu jobs in flight get %lds",
			    engine_busy(r->en), r->cfg->runner_grace_s);
		}
		if (!stopping && (r->wake || time_mono_ms() >= r->claim_at))
			runner_claim(r);
		runner_chores(r);
		wait = deliver_step(r->hooks, STEP_MAX_MS);
		n = engine_step(r->en, r->wake ? 0 : wait, db_socket(&r->db),
		    done, DONE_MAX);
		runner_finish(r, done, n);
		runner_preps(r);
		runner_notices(r);
	}
}

static enum err
runner_init(struct runner *r, const struct config *cfg, int logfd)
{
	char host[128] = "host";

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	log_init(&r->log, logfd, cfg, "runner");
	log_config_warnings(&r->log, cfg);
	db_init(&r->db, cfg, &r->log);
	r->db.listen = runner_channels;
	http_client_init(&r->http);
	http_multi_init(&r->multi);
	ollama_init(&r->ollama, cfg, &r->http);
	(void)gethostname(host, sizeof(host) - 1);
	snprintf(r->id, sizeof(r->id), "%s:%ld", host, (long)getpid());
	if (prompt_lexicon_load(&r->lexicon) != ERR_OK)
		return ERR_NOMEM;
	if ((r->circuits = circuit_shm_open(cfg->circuit_file)) == NULL) {
		log_warn(&r->log, "CIRCUIT_FILE %s: %s; the circuit state is "
		    "not shared with the workers", cfg->circuit_file,
		    strerror(errno));
		r->circuits = circuit_shm_new();
	}
	if (r->circuits == NULL)
		return ERR_NOMEM;
	if ((r->metrics = metrics_shm_open(cfg->metrics_file, false)) == NULL)
		log_warn(&r->log, "METRICS_FILE %s: %s; this runner's counters "
		    "are not in GET /metrics", cfg->metrics_file,
		    strerror(errno));
	r->env = (struct engine_env){ cfg, &r->http, &r->multi, &r->db,
	    r->circuits, &r->log, r->lexicon, r->metrics };
	if ((r->en = engine_new(&r->env)) == NULL ||
	    (r->hooks = deliver_new(cfg, &r->multi, &r->db, &r->log)) == NULL)
		return ERR_NOMEM;
	return ERR_OK;
}

static void
runner_fini(struct runner *r)
{
	if (r->en != NULL && engine_busy(r->en) + r->nprep > 0) {
		log_warn(&r->log, "%zu jobs still in flight: released for "
		    "another runner (they resume)", engine_busy(r->en) +
		    r->nprep);
		(void)db_queue_release(&r->db, r->id);
	}
	engine_free(r->en);
	deliver_free(r->hooks);
	while (r->nprep > 0)
		rjob_free(r, r->prep[--r->nprep]);
	free(r->prep);
	circuit_shm_free(r->circuits);
	metrics_shm_free(r->metrics);
	prompt_lexicon_free(r->lexicon);
	http_multi_fini(&r->multi);
	http_client_fini(&r->http);
	db_close(&r->db);
}

/* The temp files of writers killed before their rename: removed. */
static void
runner_sweep(struct runner *r)
{
	const char *dirs[] = { r->cfg->storage_dir, r->cfg->spool_dir };
	size_t i;
	long n;

	for (i = 0; i < NELEM(dirs); i++)
		if (store_sweep_tmp(dirs[i], &n) == ERR_OK && n > 0)
			log_info(&r->log, "%ld temp files of dead writers "
			    "removed from %s", n, dirs[i]);
}

int
runner_run(const struct config *cfg)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct waiter *wt = NULL;
	struct runner r;
	int logfd = master_log_open(cfg), rc = 0;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (runner_init(&r, cfg, logfd) != ERR_OK) {
		rc = 71;
		goto out;
	}
	if (cfg->runner_wait_listen[0] != '\0' &&
	    (wt = waiter_start(cfg, logfd, r.metrics)) == NULL) {
		log_error(&r.log, "the wait endpoint could not start on %s",
		    cfg->runner_wait_listen);
		rc = 71;
		goto out;
	}
	runner_sweep(&r);
	log_info(&r.log, "runner %s started: up to %ld jobs at once, wait "
	    "endpoint %s", r.id, cfg->runner_max_inflight,
	    cfg->runner_wait_listen[0] ? cfg->runner_wait_listen : "off");
	runner_loop(&r);
out:
	waiter_stop(wt);
	runner_fini(&r);
	log_info(&r.log, "runner stopped");
	return rc;
}
