/*
 * lib/providers/common.h - what every provider state machine shares:
 * building requests, reading replies, one table of HTTP status -> error,
 * failure reporting, poll deadlines, collecting images.
 * Not here: any one provider's protocol.
 */
#ifndef PROVIDERS_COMMON_H
#define PROVIDERS_COMMON_H

#include "lib/providers/provider.h"

/* Sets job->req: method, base + path, JSON body (taken; may be NULL),
 * JSON headers and, when auth is not NULL, that header line. */
enum prov_next	prov_request_json(struct prov_job *job, const char *method,
		    const char *path, json_t *body, const char *auth);
/* Parses the reply body; on failure fails the job (ERR_BAD_RESPONSE). */
json_t		*prov_reply_json(struct prov_job *job,
		    const struct prov_reply *r);
/* The common error of an HTTP status (2xx: ERR_OK). */
enum err	prov_status_err(long status);
/* Fails the job with e and a printf message. */
enum prov_next	prov_fail(struct prov_job *job, enum err e, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));
/* Fails the job from a non-2xx reply: status mapped, Retry-After kept,
 * detail (the provider's own message, may be NULL) quoted. */
enum prov_next	prov_fail_http(struct prov_job *job,
		    const struct prov_reply *r, const char *detail);
/* The same with the error the provider's body named (ERR_OK: by status),
 * for APIs whose body says more than the status (Gemini's 400
 * API_KEY_INVALID is a bad key). */
enum prov_next	prov_fail_http_as(struct prov_job *job,
		    const struct prov_reply *r, enum err e, const char *detail);
/* Polling past ctx->poll_timeout_ms: fails with ERR_TIMEOUT. */
bool		prov_poll_expired(struct prov_job *job);
/* Adds an image by URL or by bytes (taken) to job->out. */
enum err	prov_image_url(struct prov_job *job, const char *url,
		    const char *id);
enum err	prov_image_bytes(struct prov_job *job, unsigned char *data,
		    size_t len, const char *id);
/* Name of one capability bit ("negative_prompt"), or NULL. */
const char	*prov_cap_name(unsigned cap);
/* Health verdict for providers whose health call is any 2xx. */
enum err	prov_health_by_status(const struct prov_reply *r);
/* The settings that are set (non-zero) into body o under the
 * provider's names for steps and guidance. */
void		prov_settings_put(json_t *o, const struct prov_settings *s,
		    const char *steps_key, const char *guidance_key);
/* "Authorization: Bearer KEY" into buf. */
const char	*prov_bearer(const struct prov_job *job, char *buf,
		    size_t len);

#endif
