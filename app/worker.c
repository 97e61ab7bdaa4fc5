/*
 * app/worker.c - a worker process: struct worker set-up and the FastCGI
 * accept loop (read params and body, run the pipeline, write the answer).
 * Not here: the pipeline (serve.c), process management (master.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "app/request.h"
#include "app/routes.h"
#include "app/serve.h"
#include "app/worker.h"
#include "lib/core/timeutil.h"
#include "lib/prompt/lexicon.h"

/* The longest header block a worker sends; nginx reads up to its
 * fastcgi_buffer_size (16k, nginx/server.conf.in). */
#define WORKER_HEAD_MAX	(12 * 1024)

static volatile sig_atomic_t worker_stop;

enum err
worker_init(struct worker *w, const struct config *cfg, int logfd,
    int64_t started_wall_ms, char *why, size_t whylen)
{
	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->started_wall_ms = started_wall_ms;
	w->stop = &worker_stop;
	log_init(&w->log, logfd, cfg, "worker");
	db_init(&w->db, cfg, &w->log);
	http_client_init(&w->http);
	http_multi_init(&w->multi);
	ollama_init(&w->ollama, cfg, &w->http);
	app_route_labels_init(&w->labels);
	if (prompt_lexicon_load(&w->lexicon) != ERR_OK) {
		snprintf(why, whylen, "cannot load the prompt word lists");
		return ERR_INTERNAL;
	}
	return router_init(&w->router, app_routes, app_nroutes, why, whylen);
}

void
worker_fini(struct worker *w)
{
	router_fini(&w->router);
	db_close(&w->db);
	http_client_fini(&w->http);
	http_multi_fini(&w->multi);
	prompt_lexicon_free(w->lexicon);
	w->lexicon = NULL;
}

static void
on_stop(int sig)
{
	(void)sig;
	worker_stop = 1;
}

static void
worker_signals(sigset_t *term)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: accept() fails */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(term);
	sigprocmask(SIG_SETMASK, term, NULL);	/* undo the master's mask */
	sigaddset(term, SIGTERM);
	sigaddset(term, SIGINT);
}

/* Reads the body up to the cap; past it only flags body_too_large. */
static void
worker_read_body(struct request *req, FCGX_Stream *in, long cap)
{
	const char *cl = req_env(req, "CONTENT_LENGTH");
	long want = cl && *cl ? strtol(cl, NULL, 10) : 0;
	char *buf;
	int n;

	if (want > cap || want < 0) {
		req->body_too_large = true;
		return;
	}
	if (want == 0 || (buf = arena_alloc(&req->arena,
	    (size_t)want + 1)) == NULL)
		return;
	n = FCGX_GetStr(buf, (int)want, in);
	req->body = buf;
	req->body_len = n > 0 ? (size_t)n : 0;
}

/* Reason phrases of the statuses imagegen sends. */
static const struct {
	int		 status;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" },			{ 201, "Created" },
	{ 202, "Accepted" },		{ 204, "No Content" },
	{ 400, "Bad Request" },		{ 401, "Unauthorized" },
	{ 403, "Forbidden" },		{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },	{ 409, "Conflict" },
	{ 413, "Content Too Large" },	{ 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Content" }, { 429, "Too Many Requests" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },	{ 504, "Gateway Timeout" },
	{ 507, "Insufficient Storage" },
};

static const char *
http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

/*
 * Status line and headers as one CGI header block, malloc'd into *out
 * (caller frees). Returns its length, or 0 (*out NULL) when it is over
 * WORKER_HEAD_MAX or memory ran out: never a block cut short.
 */
static size_t
worker_head(const struct response *res, int status, size_t len, int body,
    char **out)
{
	size_t i, n = 0;
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, &n)) == NULL)
		return 0;
	fprintf(f, "Status: %d %s\r\n", status, http_reason(status));
	for (i = 0; i < res->nheaders; i++)
		fprintf(f, "%s: %s\r\n", res->headers[i].name,
		    res->headers[i].value);
	if (body)
		fprintf(f, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		    res->err == ERR_OK && res->text != NULL ?
		    res->content_type : "application/json", len);
	fputs("\r\n", f);
	if (fclose(f) != 0 || n > WORKER_HEAD_MAX) {
		free(*out);
		*out = NULL;
		return 0;
	}
	return n;
}

/* The head and body of res, or, when its head cannot be sent, of a 500
 * internal_error carrying only the request id. */
static int
worker_render(struct request *req, const struct response *res, char **head,
    size_t *hlen, char **body, size_t *len)
{
	struct response fb;
	int status;

	status = res_render(res, req->id, body, len);
	if ((*hlen = worker_head(res, status, *len, *body != NULL, head)) > 0)
		return status;
	log_error(&req->w->log, "response headers over %d bytes (%zu "
	    "headers): answered 500 instead", WORKER_HEAD_MAX, res->nheaders);
	free(*body);
	res_init(&fb, &req->arena);
	res_header(&fb, "X-Request-Id", req->id);
	req_fail(&fb, ERR_INTERNAL, "the response headers were too large");
	status = res_render(&fb, req->id, body, len);
	*hlen = worker_head(&fb, status, *len, *body != NULL, head);
	res_fini(&fb);
	return status;
}

/* The request's metrics and its log line. A request handed to the wait
 * endpoint is counted and logged again there, when its wait ends. */
static void
worker_account(struct request *req, const struct response *res, int status,
    size_t len)
{
	struct worker *w = req->w;
	size_t slot = app_route_slot(req->route);
	int64_t us = time_mono_us() - req->start_us;
	bool handoff = res_header_get(res, "X-Accel-Redirect") != NULL;
	struct log_access a = { req->method, slot < w->labels.n ?
	    w->labels.path[slot] : NULL, req->path, status, (double)us /
	    1000.0, len, req->job_id, req->provider, handoff ? "wait" : NULL };

	/* What the handler did not say: the job a route names or an
	 * answer shows, and the answer's provider. */
	if (a.job_id == NULL)
		a.job_id = json_string_value(json_object_get(res->body,
		    "generation_id"));
	if (a.job_id == NULL && req->nparams > 0)
		a.job_id = req->params[0];
	if (a.provider == NULL)
		a.provider = json_string_value(json_object_get(res->body,
		    "provider"));
	if (handoff)
		metrics_handoff(w->metrics, slot);
	else
		metrics_request(w->metrics, slot, status, us);
	log_access(&w->log, &a);
}

/* libfcgi's own printf lacks %zu: format here, write raw bytes. */
static void
worker_write(struct request *req, struct response *res, FCGX_Stream *out)
{
	char *head = NULL, *body = NULL;
	size_t len, hlen;
	int status;

	status = worker_render(req, res, &head, &hlen, &body, &len);
	if (head != NULL)
		FCGX_PutStr(head, (int)hlen, out);
	if (head != NULL && body != NULL)
		FCGX_PutStr(body, (int)len, out);
	worker_account(req, res, status, len);
	free(head);
	free(body);
}

static void
worker_handle(struct worker *w, FCGX_Request *fr)
{
	struct request req;
	struct response res;

	req_init(&req, w, fr->envp);
	res_init(&res, &req.arena);
	worker_read_body(&req, fr->in, w->cfg->body_max_bytes);
	serve_request(&req, &res);
	log_set_request(&w->log, req.id);	/* set by serve_request too */
	worker_write(&req, &res, fr->out);
	log_set_request(&w->log, NULL);
	res_fini(&res);
	req_fini(&req);
}

static void
worker_loop(struct worker *w, const sigset_t *term)
{
	FCGX_Request fr;

	FCGX_InitRequest(&fr, 0, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!worker_stop && w->served < (unsigned long)w->cfg->max_requests) {
		sigprocmask(SIG_UNBLOCK, term, NULL);
		if (worker_stop)
			break;
		if (FCGX_Accept_r(&fr) < 0) {
			if (errno != EINTR && !worker_stop)
				log_error(&w->log, "accept failed: %s",
				    strerror(errno));
			sigprocmask(SIG_BLOCK, term, NULL);
			if (errno != EINTR && !worker_stop)
				usleep(100000);
			continue;
		}
		/* A SIGTERM now waits until this request is answered. */
		sigprocmask(SIG_BLOCK, term, NULL);
		worker_handle(w, &fr);
		FCGX_Finish_r(&fr);
		w->served++;
	}
	FCGX_Free(&fr, 1);
}

void
worker_run(const struct config *cfg, int logfd, int64_t started_wall_ms,
    struct circuit_shm *circuits, struct metrics_shm *metrics)
{
	struct worker w;
	sigset_t term;
	char why[256] = "FCGX_Init failed";

	worker_signals(&term);
	if (FCGX_Init() != 0 ||
	    worker_init(&w, cfg, logfd, started_wall_ms, why,
	    sizeof(why)) != ERR_OK) {
		fprintf(stderr, "imagegen worker: cannot start: %s\n", why);
		_exit(70);
	}
	w.circuits = circuits;
	w.metrics = metrics;
	log_debug(&w.log, "worker started");
	worker_loop(&w, &term);
	log_info(&w.log, worker_stop ? "worker stopping (signal) after %lu "
	    "requests" : "worker recycling after %lu requests", w.served);
	worker_fini(&w);
	exit(0);
}
