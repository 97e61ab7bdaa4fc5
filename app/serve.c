/*
 * app/serve.c - the request pipeline shared by the worker and in-process
 * handler tests.
 * Not here: the FastCGI adapter (worker.c), the handlers (handlers/).
 */
#include <string.h>
#include <strings.h>

#include "app/auth.h"
#include "app/cors.h"
#include "app/serve.h"
#include "app/worker.h"
#include "lib/core/uuid.h"

bool
serve_reqid_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-");

	return n > 0 && n <= LOG_REQID_MAX && s[n] == '\0';
}

/* Takes X-Request-Id when well-formed, else a new UUID. */
static enum err
serve_reqid(struct request *req, struct response *res)
{
	const char *h = req_header(req, "X-Request-Id");
	bool ok = h != NULL && serve_reqid_ok(h);

	if (ok)
		strcpy(req->id, h);
	else
		uuid_make(req->id);
	res_header(res, "X-Request-Id", req->id);
	log_set_request(&req->w->log, req->id);	/* each line from here */
	if (h == NULL || ok)
		return ERR_OK;
	return req_fail(res, ERR_BAD_REQUEST_ID, "X-Request-Id must be 1-128 "
	    "characters of [A-Za-z0-9._:-]; this request is logged as %s",
	    req->id);
}

/* Is origin ("https://host:port") where the request came to? A browser
 * sends Origin on same-origin POSTs too: those are no CORS. nginx's
 * fastcgi_params give the host without its port (HTTP_HOST = $host) and
 * the port apart (SERVER_PORT). */
static bool
serve_same_origin(struct request *req, const char *origin)
{
	const char *host = req_header(req, "Host"), *port = req_env(req,
	    "SERVER_PORT"), *p, *colon;
	size_t n;

	if (host == NULL || port == NULL || (p = strstr(origin, "://")) ==
	    NULL)
		return false;
	p += 3;
	colon = strchr(p, ':');
	n = colon ? (size_t)(colon - p) : strlen(p);
	if (n != strlen(host) || strncasecmp(p, host, n) != 0)
		return false;
	if (colon != NULL)
		return strcmp(colon + 1, port) == 0;
	return strcmp(port, strncasecmp(origin, "https:", 6) == 0 ? "443" :
	    "80") == 0;
}

static enum cors_verdict
serve_cors(struct request *req, struct response *res)
{
	const char *origin = req_header(req, "Origin");
	enum cors_verdict v = cors_check(req->w->cfg->cors_origins, origin);

	if (v == CORS_DENIED && serve_same_origin(req, origin))
		return CORS_NONE;
	if (v == CORS_ALLOWED) {
		res_header(res, "Access-Control-Allow-Origin", origin);
		res_header(res, "Vary", "Origin");
		res_header(res, "Access-Control-Expose-Headers",
		    CORS_EXPOSE_HEADERS);
	}
	return v;
}

/* OPTIONS: a CORS preflight, or a plain Allow answer. */
static enum err
serve_options(struct request *req, struct response *res,
    enum cors_verdict v, const char *allow)
{
	const char *acrm = req_header(req, "Access-Control-Request-Method");

	if (cors_is_preflight(req->method, acrm) && v != CORS_ALLOWED)
		return req_fail(res, ERR_ORIGIN_FORBIDDEN, "origin \"%.200s\" "
		    "is not allowed (CORS_ORIGINS)", req_header(req, "Origin") ?
		    req_header(req, "Origin") : "");
	res->status = 204;
	res_header(res, "Allow", allow);
	if (v == CORS_ALLOWED) {
		res_header(res, "Access-Control-Allow-Methods", allow);
		res_header(res, "Access-Control-Allow-Headers",
		    CORS_ALLOW_HEADERS);
		res_header(res, "Access-Control-Max-Age", CORS_MAX_AGE);
	}
	return ERR_OK;
}

static void
serve_params(struct request *req, const struct router_match *m)
{
	size_t i;

	req->nparams = m->ncap;
	for (i = 0; i < m->ncap; i++)
		req->params[i] = arena_strndup(&req->arena,
		    req->path + m->cap_off[i], m->cap_len[i]);
}

void
serve_request(struct request *req, struct response *res)
{
	struct router_match m;
	enum cors_verdict v;
	enum err e;
	bool bad_id;

	/* The OpenAI-compatible API answers errors as OpenAI does. */
	res->oai = strncmp(req->path, "/v1/", 4) == 0;
	bad_id = serve_reqid(req, res) != ERR_OK;
	/* The CORS headers go on every answer: a page of an allowed
	 * origin reads the error of its bad X-Request-Id too. */
	v = serve_cors(req, res);
	if (bad_id)
		return;
	/* A page of another origin may not even make the request: its
	 * side effects happen before a browser would hide the answer. */
	if (v == CORS_DENIED && !cors_is_preflight(req->method,
	    req_header(req, "Access-Control-Request-Method"))) {
		req_fail(res, ERR_ORIGIN_FORBIDDEN, "origin \"%.200s\" is not "
		    "allowed (CORS_ORIGINS)", req_header(req, "Origin"));
		return;
	}
	if (req->body_too_large) {
		req_fail(res, ERR_PAYLOAD_TOO_LARGE, "request body is over "
		    "the %ld-byte limit", req->w->cfg->body_max_bytes);
		return;
	}
	e = router_match(&req->w->router, req->method, req->path, &m);
	if (e == ERR_NOT_FOUND) {
		req_fail(res, e, "no route for %.200s", req->path);
		return;
	}
	if (e == ERR_METHOD_NOT_ALLOWED) {
		if (strcmp(req->method, "OPTIONS") == 0) {
			serve_options(req, res, v, m.allow);
			return;
		}
		res_header(res, "Allow", m.allow);
		req_fail(res, e, "%.16s is not allowed on %.200s; allowed: %s",
		    req->method, req->path, m.allow);
		return;
	}
	serve_params(req, &m);
	req->route = m.route;
	if (auth_request(req, res, m.route) != ERR_OK)
		return;
	if ((e = m.route->fn(req, res)) != ERR_OK && res->err == ERR_OK)
		req_fail(res, e, "%s", err_row_get(e)->message);
}
