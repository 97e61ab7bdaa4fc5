/*
 * lib/providers/run.h - a provider job's request as an HTTP request, and
 * the provider's health check (one request, blocking).
 * Not here: generations (engine.c drives them, many at once).
 */
#ifndef PROVIDERS_RUN_H
#define PROVIDERS_RUN_H

#include <stdint.h>

#include "lib/http/http.h"
#include "lib/providers/provider.h"

/* The HTTP request for job->req, bounded by the monotonic deadline_ms
 * (strings borrowed from the job). */
void		prov_http_request(const struct prov_job *job, int64_t deadline_ms,
		    struct http_request *hr);
/* The provider's health request; round trip in *ms. */
enum err	prov_health(const struct provider *p, const struct prov_ctx *ctx,
		    struct http_client *http, double *ms, char *why,
		    size_t whylen);

#endif
