/*
 * lib/providers/run.h - runs one provider job to its end, blocking:
 * sends each request the state machine asks for (after its delay) through
 * lib/http and feeds the reply back, within a deadline.
 * Not here: retries and fallback, and the concurrent driver (engine.c).
 */
#ifndef PROVIDERS_RUN_H
#define PROVIDERS_RUN_H

#include <stdint.h>

#include "lib/http/http.h"
#include "lib/providers/provider.h"

/*
 * Runs p for params into out (caller's, gen_output_init()ed). Returns
 * ERR_OK with images in out, or the job's error (ERR_TIMEOUT when the
 * monotonic deadline_ms passes) with out->error set.
 */
enum err	prov_run(const struct provider *p, const struct prov_ctx *ctx,
		    const struct gen_params *params, struct gen_output *out,
		    struct http_client *http, int64_t deadline_ms);
/* The HTTP request for job->req, bounded by the monotonic deadline_ms
 * (strings borrowed from the job). */
void		prov_http_request(const struct prov_job *job, int64_t deadline_ms,
		    struct http_request *hr);
/* The provider's health request; round trip in *ms. */
enum err	prov_health(const struct provider *p, const struct prov_ctx *ctx,
		    struct http_client *http, double *ms, char *why,
		    size_t whylen);

#endif
