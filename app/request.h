/*
 * app/request.h - struct request (what a handler reads) and struct response
 * (what it fills), with their helpers. Independent of FastCGI, so handler
 * tests build them in process.
 * Not here: reading FastCGI (fcgi.c), the pipeline (serve.c).
 */
#ifndef APP_REQUEST_H
#define APP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "app/router.h"
#include "lib/auth/keys.h"
#include "lib/core/arena.h"
#include "lib/core/err.h"
#include "lib/log/log.h"

#define RES_HEADERS_MAX		16
#define RES_MESSAGE_MAX		512

struct worker;

struct request {
	struct worker	*w;		/* borrowed */
	struct arena	 arena;		/* freed after the response */
	char *const	*env;		/* FastCGI params "K=V", NULL-ended */
	const char	*method;
	const char	*path;		/* without query string */
	const char	*query;		/* "" when none */
	const char	*body;		/* NUL-terminated, borrowed */
	size_t		 body_len;
	bool		 body_too_large;
	const char	*params[ROUTER_MAX_CAPTURES];	/* route captures */
	size_t		 nparams;
	char		 id[LOG_REQID_MAX + 1];
	int64_t		 start_us;
	const struct route *route;	/* matched, or NULL */
	const char	*job_id;	/* for the log line (arena), or NULL */
	const char	*provider;	/* same */
	bool		 keyed;		/* a client key was checked */
	struct key_auth	 key;		/* when keyed */
};

struct res_header {
	const char	*name;
	const char	*value;
};

struct response {
	int		 status;
	json_t		*body;		/* owned; NULL = no body */
	enum err	 err;		/* != ERR_OK: error body is rendered */
	char		 message[RES_MESSAGE_MAX];
	json_t		*details;	/* owned; extra members of "error" */
	bool		 oai;		/* errors in OpenAI's shape (/v1/) */
	char		*text;		/* owned; a body that is not JSON */
	size_t		 text_len;
	const char	*content_type;	/* of text (static) */
	struct res_header headers[RES_HEADERS_MAX];
	size_t		 nheaders;
	struct arena	*arena;		/* borrowed from the request */
};

/* Request from a FastCGI-style env (borrowed); arena set up. */
void		req_init(struct request *req, struct worker *w,
		    char *const *env);
void		req_fini(struct request *req);
/* Borrowed FastCGI param value ("REQUEST_METHOD"), or NULL. */
const char	*req_env(const struct request *req, const char *name);
/* Borrowed HTTP header value by its HTTP name ("X-Request-Id"), or NULL. */
const char	*req_header(const struct request *req, const char *name);
/* Decoded query parameter (arena), "" for a bare key, NULL if absent. */
const char	*req_query(struct request *req, const char *name);
/* True when the query parameter is 1/true/yes. */
bool		 req_query_flag(struct request *req, const char *name);
/*
 * Parses the body as a JSON object into *out (caller json_decref()s).
 * Fails through req_fail: 415 for a non-JSON Content-Type, 400 bad_json.
 */
enum err	 req_json_body(struct request *req, struct response *res,
		    json_t **out);
/* req_json_body for a body that carries a prompt: one that is not UTF-8
 * is 422 prompt_invalid_encoding (the prompt's fault), not bad_json. */
enum err	 req_prompt_body(struct request *req, struct response *res,
		    json_t **out);
/* The job (or batch) req is about and its provider, for the request's
 * log line: copied into the arena; NULL leaves a field as it is. */
void		 req_trace(struct request *req, const char *job_id,
		    const char *provider);
/* Records error e with a printf message on res; returns e. */
enum err	 req_fail(struct response *res, enum err e, const char *fmt,
		    ...) __attribute__((format(printf, 3, 4)));

void		 res_init(struct response *res, struct arena *arena);
void		 res_fini(struct response *res);
/* Sets status and body (the response takes the reference). */
enum err	 res_json_take(struct response *res, int status, json_t *body);
/* Sets status and a body that is not JSON (the response takes text,
 * malloc'd; content_type is static). */
enum err	 res_text_take(struct response *res, int status,
		    const char *content_type, char *text, size_t len);
/* Adds a header; value is copied into the arena. */
void		 res_header(struct response *res, const char *name,
		    const char *value);
/* Borrowed value of a header already set, or NULL. */
const char	*res_header_get(const struct response *res, const char *name);
/*
 * Final status and body text of res (error bodies rendered from the err
 * table with reqid). *body is malloc'd (caller frees), NULL if no body.
 */
int		 res_render(const struct response *res, const char *reqid,
		    char **body, size_t *len);

#endif
