/*
 * lib/providers/common.c - shared provider plumbing.
 * Not here: sending requests (run.c, the batch driver).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/providers/common.h"

void
gen_output_init(struct gen_output *out)
{
	memset(out, 0, sizeof(*out));
	out->retry_after_s = -1;
	out->meta = json_object();
}

void
gen_output_fini(struct gen_output *out)
{
	size_t i;

	for (i = 0; i < out->nimages; i++) {
		free(out->images[i].url);
		free(out->images[i].data);
		free(out->images[i].provider_image_id);
	}
	free(out->provider_job_id);
	free(out->model);
	json_decref(out->meta);
	memset(out, 0, sizeof(*out));
	out->retry_after_s = -1;
}

void
prov_request_clear(struct prov_request *req)
{
	size_t i;

	free(req->url);
	free(req->body);
	for (i = 0; req->headers[i] != NULL; i++)
		free(req->headers[i]);
	memset(req, 0, sizeof(*req));
}

void
prov_job_init(struct prov_job *job, const struct provider *p,
    const struct prov_ctx *ctx, const struct gen_params *params,
    struct gen_output *out)
{
	memset(job, 0, sizeof(*job));
	job->prov = p;
	job->ctx = ctx;
	job->params = params;
	job->out = out;
	job->started_ms = time_mono_ms();
}

void
prov_job_fini(struct prov_job *job)
{
	if (job->prov != NULL && job->prov->fini != NULL)
		job->prov->fini(job);
	prov_request_clear(&job->req);
}

const char *
prov_bearer(const struct prov_job *job, char *buf, size_t len)
{
	snprintf(buf, len, "Authorization: Bearer %s", job->ctx->api_key ?
	    job->ctx->api_key : "");
	return buf;
}

enum prov_next
prov_request_json(struct prov_job *job, const char *method, const char *path,
    json_t *body, const char *auth)
{
	struct prov_request *r = &job->req;
	size_t n = 0;

	prov_request_clear(r);
	r->method = method;
	if (asprintf(&r->url, "%s%s", job->ctx->base_url, path) < 0)
		r->url = NULL;
	if (body != NULL) {
		r->body = json_dumps(body, JSON_COMPACT);
		r->body_len = r->body ? strlen(r->body) : 0;
		json_decref(body);
	}
	r->headers[n++] = strdup("Accept: application/json");
	if (r->body != NULL)
		r->headers[n++] = strdup("Content-Type: application/json");
	if (auth != NULL)
		r->headers[n++] = strdup(auth);
	if (r->url == NULL || (body != NULL && r->body == NULL))
		return prov_fail(job, ERR_NOMEM, "out of memory");
	return PROV_NEXT_REQUEST;
}

enum prov_next
prov_fail(struct prov_job *job, enum err e, const char *fmt, ...)
{
	va_list ap;

	job->err = e;
	va_start(ap, fmt);
	vsnprintf(job->out->error, sizeof(job->out->error), fmt, ap);
	va_end(ap);
	return PROV_NEXT_FAIL;
}

/* HTTP status ranges -> the common error set (first match wins). */
static const struct {
	long		lo, hi;
	enum err	e;
} status_map[] = {
	{ 200, 299, ERR_OK },
	{ 400, 400, ERR_PROVIDER_INVALID },
	{ 401, 403, ERR_PROVIDER_AUTH },	/* 402: credits exhausted */
	{ 404, 404, ERR_PROVIDER_INVALID },
	{ 408, 408, ERR_TIMEOUT },
	{ 409, 409, ERR_PROVIDER_INVALID },
	{ 413, 413, ERR_PROVIDER_INVALID },
	{ 422, 422, ERR_PROVIDER_INVALID },
	{ 429, 429, ERR_RATE_LIMITED },
	{ 500, 599, ERR_PROVIDER_UNAVAILABLE },
};

enum err
prov_status_err(long status)
{
	size_t i;

	for (i = 0; i < NELEM(status_map); i++)
		if (status >= status_map[i].lo && status <= status_map[i].hi)
			return status_map[i].e;
	return ERR_BAD_RESPONSE;
}

enum prov_next
prov_fail_http_as(struct prov_job *job, const struct prov_reply *r,
    enum err e, const char *detail)
{
	job->out->http_status = r->status;
	job->out->retry_after_s = r->retry_after_s;
	return prov_fail(job, e != ERR_OK ? e : prov_status_err(r->status),
	    "%s answered HTTP %ld%s%.300s", job->prov->label, r->status,
	    detail ? ": " : "", detail ? detail : "");
}

enum prov_next
prov_fail_http(struct prov_job *job, const struct prov_reply *r,
    const char *detail)
{
	return prov_fail_http_as(job, r, ERR_OK, detail);
}

json_t *
prov_reply_json(struct prov_job *job, const struct prov_reply *r)
{
	json_error_t je;
	json_t *j = json_loadb(r->body, r->len, 0, &je);

	if (j == NULL) {
		job->out->http_status = r->status;
		prov_fail(job, ERR_BAD_RESPONSE, "%s answered HTTP %ld with a "
		    "body that is not JSON (%s)", job->prov->label, r->status,
		    je.text);
	}
	return j;
}

bool
prov_poll_expired(struct prov_job *job)
{
	int64_t waited = time_mono_ms() - job->started_ms;

	if (waited < job->ctx->poll_timeout_ms)
		return false;
	prov_fail(job, ERR_TIMEOUT, "%s job %s still not done after %lld s "
	    "(%d polls)", job->prov->label, job->remote_id,
	    (long long)(waited / 1000), job->polls);
	return true;
}

enum err
prov_image_url(struct prov_job *job, const char *url, const char *id)
{
	struct gen_output *o = job->out;

	if (o->nimages == PROV_MAX_IMAGES || url == NULL)
		return ERR_BAD_RESPONSE;
	o->images[o->nimages].url = strdup(url);
	o->images[o->nimages].provider_image_id = id ? strdup(id) : NULL;
	o->images[o->nimages].nsfw = -1;
	o->nimages++;
	return ERR_OK;
}

enum err
prov_image_bytes(struct prov_job *job, unsigned char *data, size_t len,
    const char *id)
{
	struct gen_output *o = job->out;

	if (o->nimages == PROV_MAX_IMAGES) {
		free(data);
		return ERR_BAD_RESPONSE;
	}
	o->images[o->nimages].data = data;
	o->images[o->nimages].len = len;
	o->images[o->nimages].provider_image_id = id ? strdup(id) : NULL;
	o->images[o->nimages].nsfw = -1;
	o->nimages++;
	return ERR_OK;
}

/* Capability bits and their names (reasons, /unified/providers). */
static const struct {
	unsigned	 cap;
	const char	*name;
} cap_names[] = {
	{ PROV_NEGATIVE_PROMPT,	"negative_prompt" },
	{ PROV_SEED,		"seed" },
	{ PROV_MULTI_IMAGE,	"multi_image" },
	{ PROV_CUSTOM_SIZE,	"custom_size" },
	{ PROV_ASPECT_RATIO,	"aspect_ratio" },
	{ PROV_STYLE,		"style" },
};

const char *
prov_cap_name(unsigned cap)
{
	size_t i;

	for (i = 0; i < NELEM(cap_names); i++)
		if (cap_names[i].cap == cap)
			return cap_names[i].name;
	return NULL;
}

enum err
prov_health_by_status(const struct prov_reply *r)
{
	return prov_status_err(r->status);
}

void
prov_settings_put(json_t *o, const struct prov_settings *s,
    const char *steps_key, const char *guidance_key)
{
	if (s->steps > 0)
		json_object_set_new(o, steps_key, json_integer(s->steps));
	if (s->guidance > 0)
		json_object_set_new(o, guidance_key, json_real(s->guidance));
}
