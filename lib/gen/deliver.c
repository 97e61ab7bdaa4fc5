/*
 * lib/gen/deliver.c - webhook deliveries (see deliver.h).
 * Not here: the signature (webhook.c), the job record (record.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/gen/deliver.h"
#include "lib/gen/webhook.h"
#include "lib/http/url.h"
#include "lib/json/jobview.h"

#define URL_MAX		2048

/* One job's delivery: its tries so far, the next one's time. */
struct delivery {
	char			 job[40];
	char			*url;
	char			*body;		/* signed as is */
	char			 msg_id[48];
	int			 tries;
	int64_t			 due_ms;	/* monotonic */
	bool			 busy;		/* a try in flight */
	int64_t			 t0_ms;
	struct http_xfer	 x;
	char			 hdr[4][200];
	const char		*hv[5];
	json_t			*log;		/* {"url","delivered","deliveries"} */
	struct delivery		*next;
};

struct deliver {
	const struct config	*cfg;
	struct http_multi	*m;
	struct db		*db;
	struct log		*log;
	struct delivery		*head;
	size_t			 n;
};

struct deliver *
deliver_new(const struct config *cfg, struct http_multi *m, struct db *db,
    struct log *log)
{
	struct deliver *d = calloc(1, sizeof(*d));

	if (d != NULL)
		*d = (struct deliver){ cfg, m, db, log, NULL, 0 };
	return d;
}

static void
delivery_free(struct deliver *d, struct delivery *v)
{
	http_xfer_fini(d->m, &v->x);
	json_decref(v->log);
	free(v->url);
	free(v->body);
	free(v);
}

void
deliver_free(struct deliver *d)
{
	struct delivery *v, *next;

	if (d == NULL)
		return;
	for (v = d->head; v != NULL; v = next) {
		next = v->next;
		log_warn(d->log, "job %s: webhook not delivered (the runner "
		    "stopped)", v->job);
		delivery_free(d, v);
	}
	free(d);
}

/* {"type","timestamp","data"}: what the receiver gets (caller frees). */
static char *
payload_dup(const struct deliver *d, const json_t *r)
{
	char now[32], type[48];
	json_t *p;
	char *text;

	time_iso8601(now, sizeof(now));
	snprintf(type, sizeof(type), "generation.%s", json_string_value(
	    json_object_get(r, "status")));
	p = json_pack("{s:s,s:s,s:o}", "type", type, "timestamp", now, "data",
	    jobview_render(r, d->cfg->public_base_url));
	text = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	return text;
}

void
deliver_add(struct deliver *d, const json_t *r)
{
	const char *url = json_string_value(json_object_get(r, "webhook_url"));
	struct delivery *v;

	if (url == NULL || (v = calloc(1, sizeof(*v))) == NULL)
		return;
	snprintf(v->job, sizeof(v->job), "%s", json_string_value(
	    json_object_get(r, "id")));
	snprintf(v->msg_id, sizeof(v->msg_id), "msg_%s", v->job);
	v->url = strdup(url);
	v->body = payload_dup(d, r);
	v->log = json_pack("{s:s,s:b,s:[]}", "url", url, "delivered", 0,
	    "deliveries");
	v->x.done = true;
	if (v->url == NULL || v->body == NULL || v->log == NULL) {
		log_error(d->log, "job %s: webhook dropped (out of memory)",
		    v->job);
		delivery_free(d, v);
		return;
	}
	v->next = d->head;
	d->head = v;
	d->n++;
}

/* One try: signed now, sent over the multi handle. */
static void
try_start(struct deliver *d, struct delivery *v)
{
	struct webhook_sig sig;
	struct http_request hr;
	char h[3][200];
	int i;

	if (webhook_sign(d->cfg->webhook_secret, v->msg_id, time_wall_ms() /
	    1000, v->body, strlen(v->body), &sig) != ERR_OK) {
		log_error(d->log, "job %s: WEBHOOK_SECRET cannot sign", v->job);
		v->tries = (int)d->cfg->webhook_tries;
		return;
	}
	webhook_headers(&sig, h);
	snprintf(v->hdr[0], sizeof(v->hdr[0]), "Content-Type: "
	    "application/json");
	for (i = 0; i < 3; i++)
		memcpy(v->hdr[i + 1], h[i], sizeof(h[i]));
	for (i = 0; i < 4; i++)
		v->hv[i] = v->hdr[i];
	v->hv[4] = NULL;
	hr = (struct http_request){ .method = "POST", .url = v->url,
	    .headers = v->hv, .body = v->body, .body_len = strlen(v->body),
	    .connect_ms = 3000, .timeout_ms = d->cfg->webhook_timeout_ms,
	    .max_bytes = 65536, .public_only = true,
	    .private_ok = d->cfg->webhook_allow_private };
	v->t0_ms = time_mono_ms();
	v->busy = true;
	(void)http_xfer_start(d->m, &v->x, &hr);
}

/* Records the try that ended in the job; true when delivered. */
static bool
try_end(struct deliver *d, struct delivery *v)
{
	bool ok = v->x.err == ERR_OK && v->x.res.status >= 200 &&
	    v->x.res.status <= 299;
	char now[32], *text;
	json_t *t;

	time_iso8601(now, sizeof(now));
	t = json_pack("{s:s,s:i,s:f}", "at", now, "try", v->tries + 1, "ms",
	    (double)(time_mono_ms() - v->t0_ms));
	if (v->x.err == ERR_OK)
		json_object_set_new(t, "status", json_integer(v->x.res.status));
	else {
		/* The job view is public: the code there, curl's text (an
		 * address the URL resolved to) only in the log. */
		json_object_set_new(t, "error", json_string(err_code(
		    v->x.err)));
		log_warn(d->log, "job %s: webhook try %d failed: %s", v->job,
		    v->tries + 1, v->x.why);
	}
	json_array_append_new(json_object_get(v->log, "deliveries"), t);
	json_object_set_new(v->log, "delivered", json_boolean(ok));
	v->tries++;
	v->busy = false;
	http_xfer_fini(d->m, &v->x);
	if ((text = json_dumps(v->log, JSON_COMPACT)) != NULL)
		(void)db_exec(d->db, "UPDATE generation_jobs SET webhook = "
		    "$2::jsonb WHERE id = $1::uuid", 2, (const char *const[]){
		    v->job, text }, NULL);
	free(text);
	v->due_ms = time_mono_ms() + MIN(d->cfg->webhook_retry_ms <<
	    MIN(v->tries - 1, 16), 3600000L);
	return ok;
}

long
deliver_step(struct deliver *d, long max_ms)
{
	struct delivery **pp = &d->head, *v;
	int64_t now = time_mono_ms(), next = now + max_ms;

	while ((v = *pp) != NULL) {
		if (v->busy && v->x.done && try_end(d, v)) {
			log_info(d->log, "job %s: webhook delivered", v->job);
		} else if (!v->busy && v->tries >= d->cfg->webhook_tries) {
			log_warn(d->log, "job %s: webhook given up after %d "
			    "tries", v->job, v->tries);
		} else {
			if (!v->busy && now >= v->due_ms)
				try_start(d, v);
			if (!v->busy)
				next = MIN(next, v->due_ms);
			pp = &v->next;
			continue;
		}
		*pp = v->next;
		delivery_free(d, v);
		d->n--;
	}
	return (long)MAX(0, next - now);
}

size_t
deliver_pending(const struct deliver *d)
{
	return d->n;
}

enum err
deliver_url_check(const char *url, const char *allow, char *why,
    size_t whylen)
{
	struct http_url u;

	if (strlen(url) > URL_MAX || strcspn(url, " \t\r\n") != strlen(url) ||
	    http_url_parse(url, &u) != ERR_OK) {
		snprintf(why, whylen, "webhook_url: an http(s) URL without user "
		    "info, of at most %d characters", URL_MAX);
		return ERR_INVALID_FIELD;
	}
	if (http_host_local(u.host) && !http_list_has(allow, u.host)) {
		snprintf(why, whylen, "webhook_url: %s is an internal address "
		    "(WEBHOOK_ALLOW_PRIVATE lists the ones allowed)", u.host);
		return ERR_INVALID_FIELD;
	}
	return ERR_OK;
}
