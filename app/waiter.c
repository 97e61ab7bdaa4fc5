/*
 * app/waiter.c - the wait endpoint (see waiter.h).
 * Not here: rendering a job's answer (lib/gen/answer.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "app/routes.h"
#include "app/waiter.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/queue.h"
#include "lib/gen/answer.h"
#include "lib/gen/oai.h"
#include "lib/log/log.h"

#define SWEEP_MS	2000	/* finished jobs looked up without NOTIFY */
#define IDS_MAX		256	/* jobs of one wait (a batch: BATCH_MAX) */
#define CLIENT_CLOSED	499	/* nginx: a client that left */

/* What a client waits for: /__wait/{job|batch|prompt}/{id}. */
enum wait_kind { WAIT_JOB = 0, WAIT_BATCH, WAIT_PROMPT, WAIT__MAX };

static const char *const wait_kinds[] = {
	[WAIT_JOB] = "job", [WAIT_BATCH] = "batch", [WAIT_PROMPT] = "prompt",
};

/* One parked client. */
struct wait {
	struct MHD_Connection	*conn;
	enum wait_kind		 kind;
	bool			 batch;		/* kind == WAIT_BATCH */
	char			 id[UUID_STRLEN + 1];	/* job or batch */
	char			 rid[LOG_REQID_MAX + 1];
	bool			 cors;
	long			 wait_s;	/* Preference-Applied: wait= */
	bool			 replayed;	/* Idempotent-Replayed */
	bool			 oai;		/* an OpenAI-shaped job */
	bool			 traced;	/* to count and log at its end, once */
	size_t			 route;		/* metrics slot of its request */
	int64_t			 t0_ms;		/* wall clock: the request came */
	char			 provider[32];	/* a job's, once it ended */
	int64_t			 deadline_ms;	/* monotonic */
	char			 (*ids)[UUID_STRLEN + 1];	/* jobs not done */
	size_t			 nids;
	bool			 suspended;
	bool			 ready;
	struct gen_answer	 ans;
	struct wait		*next, *prev;
};

struct waiter {
	const struct config	*cfg;
	struct log		 log;
	struct db		 db;
	struct metrics_shm	*metrics;	/* borrowed */
	struct app_route_labels	 labels;
	struct MHD_Daemon	*d;
	pthread_t		 thread;
	atomic_bool		 stop;
	struct wait		*head;		/* suspended ones */
	size_t			 nwaiting;
	int64_t			 sweep_at;
};

static const char *const waiter_channels[] = { DB_CHANNEL_DONE, NULL };

static void
wait_link(struct waiter *w, struct wait *t)
{
	t->next = w->head;
	t->prev = NULL;
	if (w->head)
		w->head->prev = t;
	w->head = t;
	w->nwaiting++;
}

static void
wait_unlink(struct waiter *w, struct wait *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else if (w->head == t)
		w->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	w->nwaiting--;
}

/* Is t's answer there? Fills t->ans when it is (a lookup per job). */
static bool
wait_try(struct waiter *w, struct wait *t)
{
	json_t *rec = NULL;
	bool done = false;

	if (t->batch) {
		if (t->nids > 0 || db_batch_get(&w->db, t->id, &rec) != ERR_OK)
			return false;
		t->ans.status = 200;
		t->ans.retry_after_s = -1;
		t->ans.body = gen_answer_batch(&w->db, rec,
		    w->cfg->public_base_url, NULL);
		json_decref(rec);
		return t->ready = true;
	}
	if (t->kind == WAIT_PROMPT) {
		if (db_prompt_get(&w->db, t->id, &rec) == ERR_OK)
			done = gen_answer_prompt(rec, t->rid, &t->ans);
	} else if (db_jobs_get(&w->db, t->id, &rec) == ERR_OK) {
		t->oai = oai_job(rec);
		done = gen_answer_job(rec, w->cfg->public_base_url,
		    w->cfg->storage_dir, t->rid, &t->ans);
		snprintf(t->provider, sizeof(t->provider), "%s",
		    json_string_value(json_object_get(rec, "provider")) ?
		    json_string_value(json_object_get(rec, "provider")) : "");
	}
	json_decref(rec);
	return t->ready = done;
}

/* The jobs a batch waits for (its items with a job id). */
static enum err
wait_batch_ids(struct waiter *w, struct wait *t)
{
	json_t *b = NULL, *it;
	size_t i;
	enum err e;

	if ((e = db_batch_get(&w->db, t->id, &b)) != ERR_OK)
		return e;
	t->ids = calloc(IDS_MAX, sizeof(*t->ids));
	json_array_foreach(json_object_get(b, "items"), i, it) {
		const char *jid = json_string_value(json_object_get(it,
		    "job_id"));
		json_t *rec = NULL;

		if (jid == NULL || t->ids == NULL || t->nids == IDS_MAX ||
		    db_jobs_get(&w->db, jid, &rec) != ERR_OK)
			continue;
		if (!db_jobs_status_final(json_string_value(json_object_get(
		    rec, "status"))))
			snprintf(t->ids[t->nids++], UUID_STRLEN + 1, "%s", jid);
		json_decref(rec);
	}
	json_decref(b);
	return t->ids == NULL ? ERR_NOMEM : ERR_OK;
}

/* Job id is final: the waits on it (or on a batch holding it) that are
 * now complete get their answer and are resumed. */
static void
waiter_job_done(struct waiter *w, const char *id)
{
	struct wait *t = w->head, *next;
	size_t i;
	bool hit;

	for (; t != NULL; t = next) {
		next = t->next;
		if (!t->batch && strcmp(t->id, id) != 0)
			continue;
		hit = !t->batch;
		for (i = 0; t->batch && i < t->nids && !hit; i++)
			if (strcmp(t->ids[i], id) == 0) {
				memcpy(t->ids[i], t->ids[--t->nids],
				    sizeof(t->ids[i]));
				hit = true;
			}
		if (!hit || t->nids > 0)
			continue;
		if (!wait_try(w, t))
			continue;
		wait_unlink(w, t);
		t->suspended = false;
		MHD_resume_connection(t->conn);
	}
}

/* t's 504: its job goes on (in OpenAI's shape for an OpenAI job). */
static void
wait_pending(struct wait *t)
{
	if (t->oai)
		oai_answer_pending(t->id, t->rid, &t->ans);
	else
		gen_answer_pending(t->id, t->rid, &t->ans);
}

/* The waits whose time is up get 504 + Location. */
static void
waiter_expire(struct waiter *w, bool all)
{
	struct wait *t = w->head, *next;
	int64_t now = time_mono_ms();

	for (; t != NULL; t = next) {
		next = t->next;
		if (!all && now < t->deadline_ms)
			continue;
		wait_pending(t);
		t->ready = true;
		wait_unlink(w, t);
		t->suspended = false;
		MHD_resume_connection(t->conn);
	}
}

/* Every waited-for job that is final, in one query: a NOTIFY lost while
 * the connection was down costs at most SWEEP_MS. */
static void
waiter_sweep(struct waiter *w)
{
	struct wait *t;
	char *arr, *p;
	size_t n = 0, i;
	PGresult *r = NULL;

	w->sweep_at = time_mono_ms() + SWEEP_MS;
	for (t = w->head; t != NULL; t = t->next)
		n += t->batch ? t->nids : 1;
	if (n == 0 || (arr = p = malloc(n * (UUID_STRLEN + 1) + 3)) == NULL)
		return;
	*p++ = '{';
	for (t = w->head; t != NULL; t = t->next)
		for (i = 0; i < (t->batch ? t->nids : 1); i++)
			p += sprintf(p, "%s%s", p[-1] == '{' ? "" : ",",
			    t->batch ? t->ids[i] : t->id);
	strcpy(p, "}");
	if (db_exec(&w->db, "SELECT id FROM generation_jobs WHERE id = ANY("
	    "$1::uuid[]) AND status IN ('completed', 'failed', 'cancelled') "
	    "UNION ALL SELECT id FROM prompt_jobs WHERE id = ANY($1::uuid[]) "
	    "AND status IN ('completed', 'failed')",
	    1, (const char *const *)&arr, &r) == ERR_OK)
		for (i = 0; i < (size_t)PQntuples(r); i++)
			waiter_job_done(w, PQgetvalue(r, (int)i, 0));
	PQclear(r);
	free(arr);
}

static void
waiter_notices(struct waiter *w)
{
	char ch[64], payload[128];

	while (db_notify_next(&w->db, ch, sizeof(ch), payload,
	    sizeof(payload)))
		if (strcmp(ch, DB_CHANNEL_DONE) == 0)
			waiter_job_done(w, payload);
}

/* The request whose wait ends with status: counted as its route's, and
 * logged with its request id, the job and its provider; once. */
static void
wait_account(struct waiter *w, struct wait *t, int status, size_t len)
{
	int64_t ms = MAX(time_wall_ms() - t->t0_ms, 0);
	struct log_access a = { "", t->route < w->labels.n ?
	    w->labels.path[t->route] : NULL, NULL, status, (double)ms, len,
	    t->id, t->provider[0] ? t->provider : NULL, "ended" };

	if (!t->traced)
		return;
	t->traced = false;
	if (t->route < w->labels.n)
		a.method = w->labels.v[t->route].method;
	metrics_request(w->metrics, t->route, status, ms * 1000);
	log_set_request(&w->log, t->rid);
	log_access(&w->log, &a);
	log_set_request(&w->log, NULL);
}

static enum MHD_Result
answer_send(struct waiter *w, struct MHD_Connection *c, struct wait *t)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Origin");
	char *text = json_dumps(t->ans.body, JSON_COMPACT);
	struct MHD_Response *r;
	enum MHD_Result ret;
	char buf[160];

	if (text == NULL)
		return MHD_NO;
	wait_account(w, t, t->ans.status, strlen(text));
	r = MHD_create_response_from_buffer(strlen(text), text,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (t->rid[0])
		MHD_add_response_header(r, "X-Request-Id", t->rid);
	if (t->cors && origin != NULL) {
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
		MHD_add_response_header(r, "Vary", "Origin");
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
		    "X-Request-Id, Retry-After, Location, Preference-Applied, "
		    "Idempotent-Replayed");
	}
	if (t->replayed)
		MHD_add_response_header(r, "Idempotent-Replayed", "true");
	if (t->wait_s >= 0) {
		snprintf(buf, sizeof(buf), "wait=%ld", t->wait_s);
		MHD_add_response_header(r, "Preference-Applied", buf);
	}
	if (t->ans.retry_after_s > 0) {
		snprintf(buf, sizeof(buf), "%ld", t->ans.retry_after_s);
		MHD_add_response_header(r, "Retry-After", buf);
	}
	/* OpenAI's SDKs send 409 and 5xx again (twice by default): here
	 * that would queue another paid job beside the one still running
	 * (504) or make one the client cancelled (409). They obey this. */
	if (t->oai && (t->ans.status == 504 || t->ans.status == 409))
		MHD_add_response_header(r, "x-should-retry", "false");
	if (t->ans.status == 504 || t->ans.status == 202) {
		snprintf(buf, sizeof(buf), "/unified/%s/%s", t->kind ==
		    WAIT_BATCH ? "batches" : t->kind == WAIT_PROMPT ?
		    "validate-prompt" : "jobs", t->id);
		MHD_add_response_header(r, "Location", buf);
	}
	ret = MHD_queue_response(c, (unsigned)t->ans.status, r);
	MHD_destroy_response(r);
	return ret;
}

static const char *
arg(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    name);

	return v ? v : "";
}

/* Reads /__wait/{kind}/{id}?wait=&rid=&cors= into t; -1 if bad. */
static int
wait_parse(struct waiter *w, struct MHD_Connection *c, const char *url,
    struct wait *t)
{
	const char *id = NULL;
	long s = atol(arg(c, "wait"));
	size_t n;
	int k;

	if (strncmp(url, "/__wait/", 8) != 0)
		return -1;
	for (k = 0; k < WAIT__MAX && id == NULL; k++) {
		n = strlen(wait_kinds[k]);
		if (strncmp(url + 8, wait_kinds[k], n) == 0 && url[8 + n] ==
		    '/') {
			id = url + 8 + n + 1;
			t->kind = (enum wait_kind)k;
		}
	}
	if (id == NULL)
		return -1;
	t->batch = t->kind == WAIT_BATCH;
	if (!uuid_check(id))
		return -1;
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->rid, sizeof(t->rid), "%s", arg(c, "rid"));
	t->cors = strcmp(arg(c, "cors"), "1") == 0;
	t->replayed = strcmp(arg(c, "replayed"), "1") == 0;
	t->wait_s = strcmp(arg(c, "applied"), "1") == 0 ? s : -1;
	t->traced = arg(c, "t0")[0] != '\0';
	t->route = arg(c, "route")[0] ? (size_t)strtoul(arg(c, "route"), NULL,
	    10) : METRICS_ROUTE_NONE;
	t->t0_ms = strtoll(arg(c, "t0"), NULL, 10);
	if (s <= 0 || s > w->cfg->generate_timeout_s + 60)
		s = s == 0 && arg(c, "wait")[0] ? 0 :
		    w->cfg->generate_timeout_s + 5;
	t->deadline_ms = time_mono_ms() + s * 1000;
	t->conn = c;
	return 0;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct waiter *w = cls;
	struct wait *t = *con_cls;

	(void)method; (void)version; (void)upload; (void)upload_size;
	if (t != NULL)
		return t->ready ? answer_send(w, c, t) : MHD_YES;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return MHD_NO;
	*con_cls = t;
	if (wait_parse(w, c, url, t) != 0) {
		t->ans.status = 404;
		t->ans.body = json_pack("{s:{s:s,s:s}}", "error", "code",
		    "not_found", "message", "no such wait");
		t->ready = true;
		return answer_send(w, c, t);
	}
	if ((t->batch && wait_batch_ids(w, t) != ERR_OK) || wait_try(w, t) ||
	    time_mono_ms() >= t->deadline_ms) {
		if (!t->ready)
			wait_pending(t);
		t->ready = true;
		return answer_send(w, c, t);
	}
	wait_link(w, t);
	t->suspended = true;
	MHD_suspend_connection(c);
	return MHD_YES;
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct waiter *w = cls;
	struct wait *t = *con_cls;

	(void)c; (void)toe;
	if (t == NULL)
		return;
	/* A connection that ended without its answer (libmicrohttpd gave
	 * up on it): 499, as nginx logs a client that left. A client that
	 * leaves while its wait is suspended is not seen here: its answer is
	 * counted when the job ends. */
	wait_account(w, t, CLIENT_CLOSED, 0);
	if (t->suspended)
		wait_unlink(w, t);
	gen_answer_fini(&t->ans);
	free(t->ids);
	free(t);
	*con_cls = NULL;
}

static void *
waiter_main(void *arg)
{
	struct waiter *w = arg;
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->d,
	    MHD_DAEMON_INFO_EPOLL_FD);
	struct pollfd pf[2];
	MHD_UNSIGNED_LONG_LONG to;
	int n;

	while (!atomic_load(&w->stop)) {
		pf[0] = (struct pollfd){ di->epoll_fd, POLLIN, 0 };
		pf[1] = (struct pollfd){ db_socket(&w->db), POLLIN, 0 };
		n = pf[1].fd >= 0 ? 2 : 1;
		if (MHD_get_timeout(w->d, &to) != MHD_YES || to > 200)
			to = 200;
		(void)poll(pf, (nfds_t)n, (int)to);
		waiter_notices(w);
		if (time_mono_ms() >= w->sweep_at)
			waiter_sweep(w);
		waiter_expire(w, false);
		MHD_run(w->d);
	}
	/* Every client still waiting gets its 504 + Location before the
	 * connections close. */
	waiter_expire(w, true);
	for (n = 0; n < 20; n++) {
		MHD_run(w->d);
		(void)poll(pf, 0, 10);
	}
	return NULL;
}

static int
listen_addr(const char *spec, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(spec, ':');

	if (colon == NULL || (size_t)(colon - spec) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

struct waiter *
waiter_start(const struct config *cfg, int logfd, struct metrics_shm *metrics)
{
	struct waiter *w = calloc(1, sizeof(*w));
	struct sockaddr_in sa;
	sigset_t all, old;

	if (w == NULL)
		return NULL;
	w->cfg = cfg;
	w->metrics = metrics;
	app_route_labels_init(&w->labels);
	log_init(&w->log, logfd, cfg, "waiter");
	db_init(&w->db, cfg, &w->log);
	w->db.listen = waiter_channels;
	if (listen_addr(cfg->runner_wait_listen, &sa) != 0) {
		log_error(&w->log, "RUNNER_WAIT_LISTEN %s: host:port of an "
		    "IPv4 address expected", cfg->runner_wait_listen);
		goto fail;
	}
	w->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, w,
	    MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_done, w,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)65536,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)4096,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_END);
	if (w->d == NULL) {
		log_error(&w->log, "cannot listen on %s: %s",
		    cfg->runner_wait_listen, strerror(errno));
		goto fail;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);	/* signals: the runner's */
	if (pthread_create(&w->thread, NULL, waiter_main, w) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w;
fail:
	if (w->d)
		MHD_stop_daemon(w->d);
	db_close(&w->db);
	free(w);
	return NULL;
}

void
waiter_stop(struct waiter *w)
{
	if (w == NULL)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL);
	MHD_stop_daemon(w->d);
	db_close(&w->db);
	free(w);
}
