/*
 * lib/providers/run.c - a provider's health request, sent blocking, and
 * the mapping of a provider's request to an HTTP request that the
 * concurrent driver (engine.c) uses for every generation.
 * Not here: the protocols (one file each), policy (engine.c).
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/providers/run.h"

void
prov_http_request(const struct prov_job *job, int64_t deadline_ms,
    struct http_request *hr)
{
	const struct prov_request *q = &job->req;
	int64_t left = MAX(1, deadline_ms - time_mono_ms());

	memset(hr, 0, sizeof(*hr));
	hr->method = q->method;
	hr->url = q->url;
	hr->headers = (const char *const *)q->headers;
	hr->body = q->body;
	hr->body_len = q->body_len;
	hr->connect_ms = MIN(3000, left);
	hr->timeout_ms = MIN(job->ctx->timeout_ms, left);
	hr->max_bytes = 64u * 1024 * 1024;
}

/* Sends job->req; fills reply (body owned by res). */
static enum err
send_one(struct prov_job *job, struct http_client *http, int64_t deadline,
    struct http_response *res, struct prov_reply *reply)
{
	struct http_request hr;
	char why[256];
	enum err e;

	prov_http_request(job, deadline, &hr);
	e = http_do(http, &hr, res, why, sizeof(why));
	if (e != ERR_OK) {
		snprintf(job->out->error, sizeof(job->out->error), "%s: %s",
		    job->prov->label, why);
		return e;
	}
	reply->status = res->status;
	reply->body = res->body;
	reply->len = res->len;
	reply->retry_after_s = res->retry_after_s;
	return ERR_OK;
}

enum err
prov_health(const struct provider *p, const struct prov_ctx *ctx,
    struct http_client *http, double *ms, char *why, size_t whylen)
{
	struct gen_output out;
	struct gen_params params;
	struct http_response res;
	struct prov_reply reply;
	struct prov_job job;
	enum err e;

	memset(&params, 0, sizeof(params));
	memset(&res, 0, sizeof(res));
	gen_output_init(&out);
	prov_job_init(&job, p, ctx, &params, &out);
	p->health_begin(&job);
	e = send_one(&job, http, time_mono_ms() + 3000, &res, &reply);
	*ms = res.total_ms;
	if (e == ERR_OK)
		e = p->health_check(&reply);
	snprintf(why, whylen, "%s", e == ERR_OK ? "" : out.error[0] ?
	    out.error : err_code(e));
	http_response_fini(&res);
	prov_job_fini(&job);
	gen_output_fini(&out);
	return e;
}
