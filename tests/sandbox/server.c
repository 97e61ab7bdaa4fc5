/*
 * tests/sandbox/server.c - libmicrohttpd plumbing shared by every port:
 * body collection, faults, the request log, the control API, dispatch.
 * Not here: the protocols (one file each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>
#include <uuid/uuid.h>

#include "tests/sandbox/sandbox.h"

struct conn_body {
	char	*p;
	size_t	 n;
};

void
sb_json(struct sb_resp *rs, int status, json_t *body)
{
	rs->status = status;
	rs->body = json_dumps(body, JSON_COMPACT);
	rs->len = rs->body ? strlen(rs->body) : 0;
	rs->ctype = "application/json";
	json_decref(body);
}

void
sb_bytes(struct sb_resp *rs, int status, const char *ctype,
    unsigned char *data, size_t len)
{
	rs->status = status;
	rs->body = (char *)data;
	rs->len = len;
	rs->ctype = ctype;
}

void
sb_uuid(char out[37])
{
	uuid_t u;

	uuid_generate_random(u);
	uuid_unparse_lower(u, out);
}

struct sb_job *
sb_job_new(struct sb_port *p)
{
	struct sb_job *j = &p->jobs[p->next_job++ % SB_JOBS_MAX];

	memset(j, 0, sizeof(*j));
	sb_uuid(j->id);
	j->used = true;
	return j;
}

struct sb_job *
sb_job_find(struct sb_port *p, const char *id)
{
	size_t i;

	for (i = 0; i < SB_JOBS_MAX; i++)
		if (p->jobs[i].used && strcmp(p->jobs[i].id, id) == 0)
			return &p->jobs[i];
	return NULL;
}

bool
sb_fault_take(struct sb_port *p, const char *path, struct sb_faults *out)
{
	bool on;

	pthread_mutex_lock(&p->lock);
	*out = p->faults;
	on = p->faults.path[0] == '\0' || strstr(path, p->faults.path);
	if (!on) {
		memset(out, 0, sizeof(*out));
		out->pending_polls = p->faults.pending_polls;
	} else if (p->faults.count > 0 && --p->faults.count == 0) {
		int polls = 1;

		memset(&p->faults, 0, sizeof(p->faults));
		p->faults.pending_polls = polls;
	}
	pthread_mutex_unlock(&p->lock);
	return on;
}

/* Wall-clock ms: when the sandbox got a request (the log's t_ms). */
static json_int_t
sb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (json_int_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sb_log_request(struct sb_port *p, const struct sb_req *rq)
{
	json_t *e = json_pack("{s:s,s:s,s:s,s:{s:s?,s:s?,s:s?,s:s?,s:s?},"
	    "s:O?}", "method", rq->method, "path", rq->path, "query",
	    rq->query, "headers", "authorization", rq->auth, "x-goog-api-key",
	    rq->goog_key, "webhook-id", rq->wh_id, "webhook-timestamp",
	    rq->wh_ts, "webhook-signature", rq->wh_sig, "body", rq->json);

	if (rq->json == NULL && rq->len > 0)
		json_object_set_new(e, "body", json_stringn(rq->body,
		    rq->len > 4096 ? 4096 : rq->len));
	if (strncmp(rq->path, "/hook", 5) == 0)	/* a signature's bytes */
		json_object_set_new(e, "raw", json_stringn(rq->body, rq->len));
	pthread_mutex_lock(&p->lock);
	json_object_set_new(e, "seq", json_integer(++p->log_seq));
	json_object_set_new(e, "t_ms", json_integer(sb_now_ms()));
	json_array_append_new(p->log, e);
	while (json_array_size(p->log) > SB_LOG_MAX)
		json_array_remove(p->log, 0);
	pthread_mutex_unlock(&p->lock);
}

static json_t *
faults_render(const struct sb_faults *f)
{
	return json_pack("{s:I,s:i,s:i,s:b,s:b,s:b,s:b,s:b,s:b,s:b,s:I,s:i,"
	    "s:i,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "latency_ms",
	    (json_int_t)f->latency_ms, "status",
	    f->status, "retry_after", f->retry_after, "malformed", f->malformed,
	    "truncate_image", f->truncate_image, "oversize_image",
	    f->oversize_image, "hang", f->hang, "wrong_auth", f->wrong_auth,
	    "missing_model", f->missing_model, "nonsense", f->nonsense,
	    "think_tokens", (json_int_t)f->think_tokens, "pending_polls",
	    f->pending_polls, "count", f->count, "path", f->path,
	    "image_url", f->image_url, "finish_reason", f->finish_reason,
	    "key", f->key, "node_errors", f->node_errors, "no_outputs",
	    f->no_outputs, "body", f->body);
}

static void
faults_string(const json_t *j, const char *name, char *buf, size_t len)
{
	const char *v = json_string_value(json_object_get(j, name));

	snprintf(buf, len, "%s", v ? v : "");
}

/* Every key POST /__sandbox/faults takes (faults_render's names). */
static const char *const fault_keys[] = {
	"latency_ms", "status", "retry_after", "malformed", "truncate_image",
	"oversize_image", "hang", "wrong_auth", "missing_model", "nonsense",
	"think_tokens", "pending_polls", "count", "path", "image_url",
	"finish_reason", "key", "node_errors", "no_outputs", "body",
};

/* The first key of j that is no fault (a misspelled one would inject
 * nothing), or NULL. */
static const char *
faults_unknown(const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)j, k, v) {
		for (i = 0; i < sizeof(fault_keys) / sizeof(fault_keys[0]); i++)
			if (strcmp(k, fault_keys[i]) == 0)
				break;
		if (i == sizeof(fault_keys) / sizeof(fault_keys[0]))
			return k;
	}
	return NULL;
}

static void
faults_parse(const json_t *j, struct sb_faults *f)
{
	const char *path = json_string_value(json_object_get(j, "path"));

	memset(f, 0, sizeof(*f));
	f->latency_ms = (long)json_integer_value(json_object_get(j,
	    "latency_ms"));
	f->status = (int)json_integer_value(json_object_get(j, "status"));
	f->retry_after = (int)json_integer_value(json_object_get(j,
	    "retry_after"));
	f->malformed = json_is_true(json_object_get(j, "malformed"));
	f->truncate_image = json_is_true(json_object_get(j, "truncate_image"));
	f->oversize_image = json_is_true(json_object_get(j, "oversize_image"));
	f->hang = json_is_true(json_object_get(j, "hang"));
	f->wrong_auth = json_is_true(json_object_get(j, "wrong_auth"));
	f->missing_model = json_is_true(json_object_get(j, "missing_model"));
	f->nonsense = json_is_true(json_object_get(j, "nonsense"));
	f->think_tokens = (long)json_integer_value(json_object_get(j,
	    "think_tokens"));
	f->pending_polls = json_object_get(j, "pending_polls") ?
	    (int)json_integer_value(json_object_get(j, "pending_polls")) : 1;
	f->count = (int)json_integer_value(json_object_get(j, "count"));
	snprintf(f->path, sizeof(f->path), "%s", path ? path : "");
	faults_string(j, "image_url", f->image_url, sizeof(f->image_url));
	faults_string(j, "finish_reason", f->finish_reason,
	    sizeof(f->finish_reason));
	faults_string(j, "key", f->key, sizeof(f->key));
	faults_string(j, "node_errors", f->node_errors,
	    sizeof(f->node_errors));
	f->no_outputs = json_is_true(json_object_get(j, "no_outputs"));
	faults_string(j, "body", f->body, sizeof(f->body));
}

void
sb_control(struct sb_port *p, const struct sb_req *rq, struct sb_resp *rs)
{
	const char *m = rq->method, *what = rq->path + strlen("/__sandbox/");
	const char *bad = NULL;
	json_t *out = NULL;

	if (strcmp(what, "faults") == 0 && strcmp(m, "POST") == 0 &&
	    (!json_is_object(rq->json) || (bad = faults_unknown(rq->json)))) {
		sb_json(rs, 400, json_pack("{s:s,s:s?}", "error", bad ?
		    "no such fault" : "faults: a JSON object", "key", bad));
		return;
	}
	pthread_mutex_lock(&p->lock);
	if (strcmp(what, "faults") == 0 && strcmp(m, "POST") == 0)
		faults_parse(rq->json, &p->faults);
	else if (strcmp(what, "faults") == 0 && strcmp(m, "DELETE") == 0) {
		memset(&p->faults, 0, sizeof(p->faults));
		p->faults.pending_polls = 1;
		p->fault_resets++;
	} else if (strcmp(what, "requests") == 0 && strcmp(m, "DELETE") == 0)
		json_array_clear(p->log);
	else if (strcmp(what, "concurrency") == 0 && strcmp(m, "DELETE") == 0)
		p->max_in_flight = p->in_flight;
	if (strcmp(what, "faults") == 0)
		out = faults_render(&p->faults);
	else if (strcmp(what, "requests") == 0)
		out = json_deep_copy(p->log);
	else if (strcmp(what, "concurrency") == 0)
		out = json_pack("{s:i,s:i}", "now", p->in_flight, "max",
		    p->max_in_flight);
	else if (strcmp(what, "seq") == 0)
		out = json_pack("{s:I}", "seq", p->log_seq);
	else if (strcmp(what, "health") == 0)
		out = json_pack("{s:b,s:i}", "ok", 1, "kind", (int)p->kind);
	pthread_mutex_unlock(&p->lock);
	if (out == NULL)
		out = json_pack("{s:s}", "error", "no such control endpoint");
	sb_json(rs, json_object_get(out, "error") ? 404 : 200, out);
}

/* Sleeps ms in small steps (so a hang ends with the process). */
static void
sb_sleep(long ms)
{
	while (ms > 0) {
		usleep(50000);
		ms -= 50;
	}
}

/* A hang: 600 s, or until the port's faults are reset (DELETE
 * /__sandbox/faults: a test that reset them finds no call still held). */
static void
sb_hang(struct sb_port *p)
{
	unsigned resets, now;
	int i;

	pthread_mutex_lock(&p->lock);
	resets = now = p->fault_resets;
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < 12000 && now == resets; i++) {
		usleep(50000);
		pthread_mutex_lock(&p->lock);
		now = p->fault_resets;
		pthread_mutex_unlock(&p->lock);
	}
}

typedef void (*sb_fn)(struct sb_port *, const struct sb_req *,
    const struct sb_faults *, struct sb_resp *);

/* Protocol handlers, indexed by enum sb_kind. */
static const sb_fn handlers[SB__MAX] = {
	[SB_LEONARDO] = sb_leonardo, [SB_RUNWARE] = sb_runware,
	[SB_GEMINI] = sb_gemini, [SB_COMFYUI] = sb_comfyui,
	[SB_OLLAMA] = sb_ollama,
};

static void	dispatch_one(struct sb_port *, const struct sb_req *,
		    struct sb_resp *);

/* Every protocol request, counted while it is served (the most at once
 * is what /__sandbox/concurrency reports). */
static void
dispatch(struct sb_port *p, const struct sb_req *rq, struct sb_resp *rs)
{
	bool control = strncmp(rq->path, "/__sandbox/", 11) == 0;

	if (!control) {
		pthread_mutex_lock(&p->lock);
		if (++p->in_flight > p->max_in_flight)
			p->max_in_flight = p->in_flight;
		pthread_mutex_unlock(&p->lock);
	}
	dispatch_one(p, rq, rs);
	if (!control) {
		pthread_mutex_lock(&p->lock);
		p->in_flight--;
		pthread_mutex_unlock(&p->lock);
	}
}

/* Generic faults first, then images, then the protocol. */
static void
dispatch_one(struct sb_port *p, const struct sb_req *rq, struct sb_resp *rs)
{
	struct sb_faults f;

	if (strncmp(rq->path, "/__sandbox/", 11) == 0) {
		sb_control(p, rq, rs);
		return;
	}
	sb_log_request(p, rq);
	sb_fault_take(p, rq->path, &f);
	if (f.hang)
		sb_hang(p);
	if (f.latency_ms > 0)
		sb_sleep(f.latency_ms);
	if (f.body[0] != '\0') {	/* a canned answer, as given */
		rs->status = f.status ? f.status : 200;
		rs->body = strdup(f.body);
		rs->len = strlen(rs->body);
		rs->ctype = "application/json";
		return;
	}
	if (f.status >= 400) {
		sb_json(rs, f.status, sb_error_body(p->kind, f.status,
		    "injected fault"));
		rs->retry_after = f.retry_after;
		return;
	}
	if (f.malformed && strncmp(rq->path, "/img/", 5) != 0) {
		rs->status = 200;
		rs->body = strdup("{\"data\": [ {\"broken\": ");
		rs->len = strlen(rs->body);
		rs->ctype = "application/json";
		return;
	}
	if (strcmp(rq->method, "GET") == 0 && sb_image_route(rq, &f, rs))
		return;
	if (strcmp(rq->path, "/redirect") == 0 && rq->arg(rq->conn, "to")) {
		sb_json(rs, 302, json_pack("{s:s}", "moved", "elsewhere"));
		snprintf(rs->location, sizeof(rs->location), "%s",
		    rq->arg(rq->conn, "to"));	/* GET /redirect?to=URL */
		return;
	}
	if (strcmp(rq->method, "POST") == 0 && strncmp(rq->path, "/hook",
	    5) == 0) {			/* a webhook receiver, on any port */
		sb_json(rs, 200, json_pack("{s:b}", "received", 1));
		return;
	}
	handlers[p->kind](p, rq, &f, rs);
}

static const char *
conn_arg(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result
add_arg(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
	char *q = cls;
	size_t n = strlen(q);

	(void)kind;
	snprintf(q + n, 1024 - n, "%s%s=%s", n ? "&" : "", k, v ? v : "");
	return MHD_YES;
}

static enum MHD_Result
send_resp(struct MHD_Connection *c, struct sb_resp *rs)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char ra[16];

	if (rs->body == NULL)
		sb_json(rs, 404, json_pack("{s:s}", "error", "not found"));
	r = MHD_create_response_from_buffer(rs->len, rs->body,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", rs->ctype ? rs->ctype :
	    "application/json");
	if (rs->retry_after > 0) {
		snprintf(ra, sizeof(ra), "%d", rs->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	if (rs->location[0] != '\0')
		MHD_add_response_header(r, "Location", rs->location);
	ret = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **state)
{
	struct conn_body *b = *state;
	struct sb_resp rs = { 0 };
	struct sb_req rq;
	char query[1024] = "";
	enum MHD_Result ret;

	(void)version;
	if (b == NULL) {
		*state = calloc(1, sizeof(*b));
		return *state ? MHD_YES : MHD_NO;
	}
	if (*size > 0) {
		b->p = realloc(b->p, b->n + *size + 1);
		memcpy(b->p + b->n, data, *size);
		b->n += *size;
		b->p[b->n] = '\0';
		*size = 0;
		return MHD_YES;
	}
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, query);
	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.path = url;
	rq.query = query;
	rq.auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Authorization");
	rq.wh_id = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "webhook-id");
	rq.wh_ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "webhook-timestamp");
	rq.wh_sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "webhook-signature");
	rq.goog_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "x-goog-api-key");
	if (rq.goog_key == NULL)
		rq.goog_key = conn_arg(c, "key");
	rq.body = b->p ? b->p : "";
	rq.len = b->n;
	rq.json = b->n ? json_loadb(b->p, b->n, 0, NULL) : NULL;
	rq.arg = conn_arg;
	rq.conn = c;
	dispatch(cls, &rq, &rs);
	json_decref(rq.json);
	ret = send_resp(c, &rs);
	return ret;
}

static void
on_done(void *cls, struct MHD_Connection *c, void **state,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_body *b = *state;

	(void)cls;
	(void)c;
	(void)toe;
	if (b != NULL) {
		free(b->p);
		free(b);
	}
	*state = NULL;
}

void	*sb_start(struct sb_port *p);

void *
sb_start(struct sb_port *p)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)p->port);
	sa.sin_addr.s_addr = htonl(0x7f000001);
	/* poll(), not select(): a benchmark holds over FD_SETSIZE (1024)
	 * connections at once. */
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG,
	    (uint16_t)p->port, NULL, NULL, on_request, p,
	    MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, on_done,
	    NULL, MHD_OPTION_CONNECTION_TIMEOUT, 0u,
	    MHD_OPTION_CONNECTION_LIMIT, 16384u,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
}
