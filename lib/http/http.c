/*
 * lib/http/http.c - libcurl easy wrapper with caps and error mapping.
 * Not here: provider semantics, concurrency (each worker is one process).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "lib/http/http.h"

#define HTTP_DEFAULT_MAX	(8u * 1024 * 1024)

struct sink {
	struct http_response	*res;
	size_t			 cap;
	size_t			 alloc;
	bool			 over;
};

void
http_client_init(struct http_client *c)
{
	c->easy = NULL;
}

void
http_client_fini(struct http_client *c)
{
	curl_easy_cleanup(c->easy);
	c->easy = NULL;
}

void
http_response_fini(struct http_response *res)
{
	free(res->body);
	res->body = NULL;
	res->len = 0;
}

bool
http_status_transient(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status < 600);
}

long
http_retry_after_parse(const char *v, long now_s)
{
	struct tm tm;
	char *end;
	long n;

	while (isspace((unsigned char)*v))
		v++;
	if (isdigit((unsigned char)*v)) {
		n = strtol(v, &end, 10);
		return *end == '\0' || isspace((unsigned char)*end) ? n : -1;
	}
	memset(&tm, 0, sizeof(tm));
	if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm) == NULL)
		return -1;
	n = (long)timegm(&tm) - now_s;
	return n > 0 ? n : 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, want;
	char *p;

	if (s->res->len + len > s->cap) {
		s->over = true;
		return 0;		/* aborts the transfer */
	}
	if (s->res->len + len + 1 > s->alloc) {
		want = (s->res->len + len + 1) * 2;
		if ((p = realloc(s->res->body, want)) == NULL)
			return 0;
		s->res->body = p;
		s->alloc = want;
	}
	memcpy(s->res->body + s->res->len, data, len);
	s->res->len += len;
	s->res->body[s->res->len] = '\0';
	return len;
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_response *res = arg;
	size_t len = size * n;
	char line[256];

	if (len < 13 || len >= sizeof(line))
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncasecmp(line, "Retry-After:", 12) == 0)
		res->retry_after_s = http_retry_after_parse(line + 12,
		    (long)time(NULL));
	return len;
}

/* The one translation of CURLcode into enum err. */
static enum err
curl_err(CURLcode rc, const struct sink *s, bool is_image)
{
	switch (rc) {
	case CURLE_OK:
		return ERR_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_WRITE_ERROR:
		if (!s->over)
			return ERR_NOMEM;
		return is_image ? ERR_IMAGE_TOO_LARGE : ERR_BAD_RESPONSE;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return ERR_PROVIDER_UNAVAILABLE;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return ERR_INVALID_FIELD;
	default:
		return ERR_BAD_RESPONSE;
	}
}

static void
set_options(CURL *e, const struct http_request *req, struct sink *s,
    struct curl_slist *hl, char *errbuf)
{
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, req->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, req->max_redirects > 0);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)req->max_redirects);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    req->connect_ms > 0 ? req->connect_ms : 3000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, s->res);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "imagegen/1");
	if (req->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
	}
	if (req->method != NULL)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
}

enum err
http_do(struct http_client *c, const struct http_request *req,
    struct http_response *res, char *why, size_t whylen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hl = NULL;
	struct sink s;
	const char *ct = NULL;
	size_t i;
	CURLcode rc;
	enum err e;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	if (strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8)) {
		snprintf(why, whylen, "only http and https URLs are fetched");
		return ERR_INVALID_FIELD;
	}
	if (c->easy == NULL && (c->easy = curl_easy_init()) == NULL)
		return ERR_NOMEM;
	memset(&s, 0, sizeof(s));
	s.res = res;
	s.cap = req->max_bytes ? req->max_bytes : HTTP_DEFAULT_MAX;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		hl = curl_slist_append(hl, req->headers[i]);
	set_options(c->easy, req, &s, hl, errbuf);
	rc = curl_easy_perform(c->easy);
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &res->status);
	curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(res->content_type, sizeof(res->content_type), "%s",
	    ct ? ct : "");
	{
		double t = 0;

		curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME, &t);
		res->total_ms = t * 1000.0;
	}
	curl_slist_free_all(hl);
	if ((e = curl_err(rc, &s, req->is_image)) != ERR_OK)
		snprintf(why, whylen, "%s", s.over ? "response over the "
		    "size cap" : errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (res->body == NULL && (res->body = strdup("")) == NULL)
		return ERR_NOMEM;
	return e;
}

enum err
http_json(struct http_client *c, const struct http_request *req,
    struct http_response *res, json_t **out, char *why, size_t whylen)
{
	json_error_t je;
	enum err e;

	*out = NULL;
	if ((e = http_do(c, req, res, why, whylen)) != ERR_OK)
		return e;
	if ((*out = json_loadb(res->body, res->len, 0, &je)) == NULL) {
		snprintf(why, whylen, "HTTP %ld with a body that is not JSON "
		    "(%s)", res->status, je.text);
		return ERR_BAD_RESPONSE;
	}
	return ERR_OK;
}
