/*
 * lib/gen/oai.h - the OpenAI images wire format (POST /v1/images/
 * generations): its request mapped onto a /unified/generate body, its
 * answer {created, data:[{url|b64_json, revised_prompt}]} and its error
 * shape {"error":{"message","type","param","code"}}, so OpenAI's SDKs
 * raise their typed errors (BadRequestError, AuthenticationError, ...).
 * Not here: queuing and waiting (handlers/, app/waiter.c), field rules
 * of the generation itself (genreq.c).
 */
#ifndef GEN_OAI_H
#define GEN_OAI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"
#include "lib/gen/answer.h"

/* The job's params member that marks an OpenAI-shaped job:
 * {"response_format": "url"|"b64_json", "base_url": "http://host:port"}. */
#define OAI_PARAMS_KEY	"openai"

/*
 * Maps OpenAI request in (borrowed) to a /unified/generate body (*gen,
 * new reference) and the answer's marker (*answer, new reference, with
 * base_url, the absolute origin of /storage/ URLs). model is a provider
 * name or "auto"; OpenAI's own model names (dall-e-*, gpt-image-*) mean
 * "auto". ERR_MISSING_FIELD / ERR_INVALID_FIELD with "field: rule" in
 * why, the field named as OpenAI names it.
 */
/*
 * The origin ("scheme://host[:port]", no trailing slash) of the /storage/
 * URLs of an answer, in out: public_base (PUBLIC_BASE_URL) when set, else
 * the request's own: scheme (REQUEST_SCHEME, NULL = http), host (the Host
 * header, which may carry its port already, as nginx passes it unless
 * fastcgi_params sets HTTP_HOST $host) and port (SERVER_PORT: added when
 * host has none and it is not the scheme's default).
 */
void		oai_origin(const char *public_base, const char *scheme,
		    const char *host, const char *port, char *out, size_t len);
enum err	oai_request_parse(const json_t *in, const char *base_url,
		    json_t **gen, json_t **answer, char *why, size_t whylen);
/* The HTTP status OpenAI clients expect for e: 422s are 400s. */
int		oai_status(enum err e);
/* {"error":{"message","type","param","code"}} for e and message; param
 * is the field message starts with ("n: ..."), named as OpenAI names it
 * (our num_images is n, width/height size, provider model), else null.
 * New reference; NULL on OOM. */
json_t		*oai_error_new(enum err e, const char *message);
/* True when record r (borrowed) is an OpenAI-shaped job. */
bool		oai_job(const json_t *r);
/*
 * The answer of final OpenAI-shaped record r: 200 {created, data} (url:
 * base_url + /storage/..., or b64_json read from storage_dir), or the
 * job's error in OpenAI's shape. Frees with gen_answer_fini().
 */
void		oai_answer_job(const json_t *r, const char *storage_dir,
		    const char *reqid, struct gen_answer *a);
/* The 504 of a wait that ended before job id did, in OpenAI's shape;
 * reqid may be NULL. */
void		oai_answer_pending(const char *id, const char *reqid,
		    struct gen_answer *a);

#endif
