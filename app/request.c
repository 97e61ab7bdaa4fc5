/*
 * app/request.c - request accessors (params, headers, query, JSON body)
 * and response building and rendering.
 * Not here: FastCGI I/O (fcgi.c), routing (router.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/request.h"
#include "lib/core/timeutil.h"
#include "lib/gen/oai.h"
#include "lib/json/json.h"
#include "lib/prompt/validate.h"

void
req_init(struct request *req, struct worker *w, char *const *env)
{
	const char *uri, *q;

	memset(req, 0, sizeof(*req));
	arena_init(&req->arena);
	req->w = w;
	req->env = env;
	req->start_us = time_mono_us();
	req->method = req_env(req, "REQUEST_METHOD");
	if (req->method == NULL)
		req->method = "GET";
	req->query = req_env(req, "QUERY_STRING");
	if (req->query == NULL)
		req->query = "";
	if ((uri = req_env(req, "DOCUMENT_URI")) == NULL &&
	    (uri = req_env(req, "REQUEST_URI")) == NULL)
		uri = "/";
	q = strchr(uri, '?');
	req->path = q ? arena_strndup(&req->arena, uri, (size_t)(q - uri)) :
	    uri;
	req->body = "";
}

void
req_fini(struct request *req)
{
	arena_fini(&req->arena);
}

const char *
req_env(const struct request *req, const char *name)
{
	size_t n = strlen(name);
	char *const *e;

	if (req->env == NULL)
		return NULL;
	for (e = req->env; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *
req_header(const struct request *req, const char *name)
{
	char key[128] = "HTTP_";
	size_t i, o = 5;

	if (strcasecmp(name, "Content-Type") == 0)
		return req_env(req, "CONTENT_TYPE");
	for (i = 0; name[i] != '\0' && o < sizeof(key) - 1; i++)
		key[o++] = name[i] == '-' ? '_' :
		    (char)toupper((unsigned char)name[i]);
	key[o] = '\0';
	return req_env(req, key);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent- and plus-decodes s[0..n) into the arena. */
static char *
query_decode(struct arena *a, const char *s, size_t n)
{
	char *out = arena_alloc(a, n + 1), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%' && i + 2 < n &&
		    hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

const char *
req_query(struct request *req, const char *name)
{
	const char *p = req->query, *amp, *eq;
	size_t n = strlen(name);

	while (*p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if ((size_t)((eq ? eq : amp) - p) == n &&
		    strncmp(p, name, n) == 0)
			return eq ? query_decode(&req->arena, eq + 1,
			    (size_t)(amp - eq - 1)) : "";
		p = *amp ? amp + 1 : amp;
	}
	return NULL;
}

bool
req_query_flag(struct request *req, const char *name)
{
	const char *v = req_query(req, name);

	return v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0
	    || strcasecmp(v, "yes") == 0);
}

enum err
req_json_body(struct request *req, struct response *res, json_t **out)
{
	const char *ct = req_header(req, "Content-Type");
	char why[RES_MESSAGE_MAX];
	enum err e;

	*out = NULL;
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
		return req_fail(res, ERR_UNSUPPORTED_MEDIA, "Content-Type is "
		    "\"%.100s\"; send application/json", ct ? ct : "");
	if ((e = jx_parse_object(req->body, req->body_len, out, why,
	    sizeof(why))) != ERR_OK)
		return req_fail(res, e, "%s", why);
	return ERR_OK;
}

enum err
req_prompt_body(struct request *req, struct response *res, json_t **out)
{
	size_t bad;

	if (req_json_body(req, res, out) == ERR_OK)
		return ERR_OK;
	if (res->err == ERR_BAD_JSON && (bad = prompt_utf8_check(req->body,
	    req->body_len)) != req->body_len)
		return req_fail(res, ERR_PROMPT_ENCODING, "request body is not "
		    "valid UTF-8 (byte %zu)", bad);
	return res->err;
}

void
req_trace(struct request *req, const char *job_id, const char *provider)
{
	if (job_id != NULL)
		req->job_id = arena_strdup(&req->arena, job_id);
	if (provider != NULL)
		req->provider = arena_strdup(&req->arena, provider);
}

enum err
req_fail(struct response *res, enum err e, const char *fmt, ...)
{
	va_list ap;

	res->err = e;
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return e;
}

void
res_init(struct response *res, struct arena *arena)
{
	memset(res, 0, sizeof(*res));
	res->status = 200;
	res->arena = arena;
}

void
res_fini(struct response *res)
{
	json_decref(res->body);
	json_decref(res->details);
	res->body = res->details = NULL;
	free(res->text);
	res->text = NULL;
}

enum err
res_text_take(struct response *res, int status, const char *content_type,
    char *text, size_t len)
{
	free(res->text);
	res->status = status;
	res->text = text;
	res->text_len = len;
	res->content_type = content_type;
	return text == NULL ? ERR_NOMEM : ERR_OK;
}

enum err
res_json_take(struct response *res, int status, json_t *body)
{
	json_decref(res->body);
	res->status = status;
	res->body = body;
	return body == NULL ? ERR_NOMEM : ERR_OK;
}

void
res_header(struct response *res, const char *name, const char *value)
{
	if (res->nheaders == RES_HEADERS_MAX)
		return;
	res->headers[res->nheaders].name = name;
	res->headers[res->nheaders].value = arena_strdup(res->arena, value);
	res->nheaders++;
}

const char *
res_header_get(const struct response *res, const char *name)
{
	size_t i;

	for (i = 0; i < res->nheaders; i++)
		if (strcasecmp(res->headers[i].name, name) == 0)
			return res->headers[i].value;
	return NULL;
}

/* {"error":{"message","type","param","code","request_id"}}: OpenAI's. */
static json_t *
res_error_oai(const struct response *res, const char *reqid)
{
	json_t *o = oai_error_new(res->err, res->message[0] ? res->message :
	    err_row_get(res->err)->message);

	if (o != NULL && reqid != NULL && reqid[0] != '\0')
		json_object_set_new(json_object_get(o, "error"), "request_id",
		    json_string(reqid));
	return o;
}

/* {"error":{"code","message","request_id",...details}} */
static json_t *
res_error_body(const struct response *res, const char *reqid)
{
	const struct err_row *row = err_row_get(res->err);
	json_t *err;

	if (res->oai)
		return res_error_oai(res, reqid);
	/* The message may quote request bytes: never NULL for bad UTF-8. */
	err = json_pack("{s:s,s:o}", "code", row->code, "message",
	    jx_text_new(res->message[0] ? res->message : row->message));
	if (err == NULL)
		return NULL;
	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(err, "request_id", json_string(reqid));
	if (res->details != NULL)
		json_object_update(err, res->details);
	return json_pack("{s:o}", "error", err);
}

int
res_render(const struct response *res, const char *reqid, char **body,
    size_t *len)
{
	json_t *eb = NULL;
	int status = res->status;

	*body = NULL;
	*len = 0;
	if (res->err != ERR_OK) {
		status = res->oai ? oai_status(res->err) :
		    err_status(res->err);
		eb = res_error_body(res, reqid);
	}
	if (eb == NULL && res->text != NULL) {
		if ((*body = malloc(res->text_len + 1)) != NULL) {
			memcpy(*body, res->text, res->text_len);
			(*body)[res->text_len] = '\0';
			*len = res->text_len;
		}
	} else if (eb != NULL || res->body != NULL) {
		*body = jx_dump(eb ? eb : res->body);
		*len = *body ? strlen(*body) : 0;
	}
	json_decref(eb);
	return status;
}
