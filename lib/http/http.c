/*
 * lib/http/http.c - libcurl easy wrapper with caps and error mapping.
 * Not here: provider semantics; threads (each worker is one process and
 * runs concurrent transfers on one curl multi handle).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <poll.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "lib/http/http.h"

#define HTTP_DEFAULT_MAX	(8u * 1024 * 1024)

_Static_assert(sizeof(((struct http_xfer *)0)->errbuf) >= CURL_ERROR_SIZE,
    "curl's error buffer");

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
	struct http_sink *s = arg;
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
curl_err(CURLcode rc, const struct http_sink *s)
{
	switch (rc) {
	case CURLE_OK:
		return ERR_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return ERR_TIMEOUT;
	case CURLE_WRITE_ERROR:
		if (!s->over)
			return ERR_NOMEM;
		return s->is_image ? ERR_IMAGE_TOO_LARGE : ERR_BAD_RESPONSE;
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

bool
http_addr_internal(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
		    (a[0] == 169 && a[1] == 254) || (a[0] == 172 &&
		    (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 100 && (a[1] & 0xc0) == 64) || a[0] >= 224;
	if (inet_pton(AF_INET6, ip, a) != 1)
		return true;		/* not an address: refuse */
	if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		char v4[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, a + 12, v4, sizeof(v4));
		return http_addr_internal(v4);	/* ::ffff:a.b.c.d */
	}
	return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) ==
	    0x80) || a[0] == 0xff || memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0\0", 15) == 0;		/* ULA, link-local, multicast, ::, ::1 */
}

bool
http_list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (p != NULL && *p != '\0' && n > 0) {
		p += strspn(p, " ,");
		if (strncasecmp(p, item, n) == 0 && strchr(" ,", p[n]))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* The host of an http(s) URL (what follows any userinfo, up to the port
 * or path; an IPv6 literal without its brackets) into buf. */
static void
url_host(const char *url, char *buf, size_t len)
{
	const char *h = strstr(url, "://"), *end, *at;

	buf[0] = '\0';
	if (h == NULL)
		return;
	h += 3;
	end = h + strcspn(h, "/?#");
	for (at = h; (at = memchr(at, '@', (size_t)(end - at))) != NULL; )
		h = ++at;
	if (*h == '[') {
		at = memchr(h, ']', (size_t)(end - h));
		end = at ? at : end;
		h++;
	} else if ((at = memchr(h, ':', (size_t)(end - h))) != NULL)
		end = at;
	snprintf(buf, len, "%.*s", (int)(end - h), h);
}

bool
http_url_local(const char *url)
{
	unsigned char a[16];
	char host[256];

	url_host(url, host, sizeof(host));
	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, a) != 1 &&
	    inet_pton(AF_INET6, host, a) != 1)
		return false;		/* a name: no DNS here */
	return http_addr_internal(host);
}

/* Before a request goes out on a connection: refuse internal addresses
 * when the request asks for public ones only. */
static int
on_prereq(void *arg, char *ip, char *local, int port, int lport)
{
	struct http_sink *s = arg;

	(void)local; (void)port; (void)lport;
	if (!s->public_only || !http_addr_internal(ip) || http_list_has(
	    s->private_ok, ip) || (s->host[0] && http_list_has(s->private_ok,
	    s->host)))
		return CURL_PREREQFUNC_OK;
	snprintf(s->refused, sizeof(s->refused), "%s", ip);
	return CURL_PREREQFUNC_ABORT;
}

static void
set_options(CURL *e, const struct http_request *req, struct http_sink *s,
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
	if (req->public_only) {
		curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
		curl_easy_setopt(e, CURLOPT_PREREQDATA, s);
	}
}

/* Checks req and sets e up for it; res is reset. Headers go to *hl
 * (caller frees after the transfer). */
static enum err
prepare(CURL *e, const struct http_request *req, struct http_sink *s,
    struct http_response *res, struct curl_slist **hl, char *errbuf,
    char *why, size_t whylen)
{
	size_t i;

	memset(res, 0, sizeof(*res));
	res->retry_after_s = -1;
	*hl = NULL;
	errbuf[0] = '\0';
	if (strncmp(req->url, "http://", 7) && strncmp(req->url, "https://", 8)) {
		snprintf(why, whylen, "only http and https URLs are fetched");
		return ERR_INVALID_FIELD;
	}
	memset(s, 0, sizeof(*s));
	s->res = res;
	s->cap = req->max_bytes ? req->max_bytes : HTTP_DEFAULT_MAX;
	s->is_image = req->is_image;
	s->public_only = req->public_only;
	s->private_ok = req->private_ok;
	if (req->public_only)
		url_host(req->url, s->host, sizeof(s->host));
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		*hl = curl_slist_append(*hl, req->headers[i]);
	set_options(e, req, s, *hl, errbuf);
	return ERR_OK;
}

/* Reads the outcome of a finished transfer into res; the error, if any. */
static enum err
conclude(CURL *e, CURLcode rc, const struct http_sink *s,
    struct http_response *res, const char *errbuf, char *why, size_t whylen)
{
	const char *ct = NULL;
	double t = 0;
	enum err err;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &res->status);
	curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(res->content_type, sizeof(res->content_type), "%s",
	    ct ? ct : "");
	curl_easy_getinfo(e, CURLINFO_TOTAL_TIME, &t);
	res->total_ms = t * 1000.0;
	if ((err = curl_err(rc, s)) != ERR_OK)
		snprintf(why, whylen, "%s", s->over ? "response over the "
		    "size cap" : errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (s->refused[0] != '\0') {
		snprintf(why, whylen, "address %s is internal and not allowed",
		    s->refused);
		err = ERR_INVALID_FIELD;
	}
	if (res->body == NULL && (res->body = strdup("")) == NULL)
		return ERR_NOMEM;
	return err;
}

enum err
http_do(struct http_client *c, const struct http_request *req,
    struct http_response *res, char *why, size_t whylen)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hl = NULL;
	struct http_sink s;
	CURLcode rc;
	enum err e;

	if (c->easy == NULL && (c->easy = curl_easy_init()) == NULL) {
		memset(res, 0, sizeof(*res));
		return ERR_NOMEM;
	}
	if ((e = prepare(c->easy, req, &s, res, &hl, errbuf, why, whylen)))
		return e;
	rc = curl_easy_perform(c->easy);
	e = conclude(c->easy, rc, &s, res, errbuf, why, whylen);
	curl_slist_free_all(hl);
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

void
http_multi_init(struct http_multi *m)
{
	m->multi = NULL;
	m->running = 0;
}

void
http_multi_fini(struct http_multi *m)
{
	curl_multi_cleanup(m->multi);
	m->multi = NULL;
}

enum err
http_xfer_start(struct http_multi *m, struct http_xfer *x,
    const struct http_request *req)
{
	struct curl_slist *hl = NULL;
	enum err e;

	x->done = false;
	x->easy = x->headers = NULL;
	x->why[0] = '\0';
	if ((m->multi == NULL && (m->multi = curl_multi_init()) == NULL) ||
	    (x->easy = curl_easy_init()) == NULL) {
		memset(&x->res, 0, sizeof(x->res));
		e = ERR_NOMEM;
		goto out;
	}
	e = prepare(x->easy, req, &x->sink, &x->res, &hl, x->errbuf, x->why,
	    sizeof(x->why));
	x->headers = hl;
	if (e != ERR_OK)
		goto out;
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(m->multi, x->easy) != CURLM_OK) {
		e = ERR_NOMEM;
		goto out;
	}
	m->running++;
	return ERR_OK;
out:
	x->done = true;
	x->err = e;
	if (x->why[0] == '\0')
		snprintf(x->why, sizeof(x->why), "%s", err_code(e));
	return e;
}

/* Marks the transfers curl says are finished; how many. */
static int
collect(struct http_multi *m)
{
	struct http_xfer *x;
	CURLMsg *msg;
	int left, n = 0;

	while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(m->multi, x->easy);
		m->running--;
		x->err = conclude(x->easy, msg->data.result, &x->sink, &x->res,
		    x->errbuf, x->why, sizeof(x->why));
		x->done = true;
		n++;
	}
	return n;
}

enum err
http_multi_run(struct http_multi *m, long wait_ms, int fd)
{
	struct curl_waitfd wfd = { fd, CURL_WAIT_POLLIN, 0 };
	struct pollfd pfd = { fd, POLLIN, 0 };
	int still;

	if (m->multi == NULL || m->running == 0) {
		if (wait_ms > 0 && fd >= 0)
			(void)poll(&pfd, 1, (int)wait_ms);
		else if (wait_ms > 0)
			usleep((useconds_t)wait_ms * 1000);
		return ERR_OK;
	}
	if (curl_multi_perform(m->multi, &still) != CURLM_OK)
		return ERR_INTERNAL;
	if (collect(m) > 0)
		return ERR_OK;
	if (wait_ms > 0 && m->running > 0 && curl_multi_poll(m->multi,
	    fd >= 0 ? &wfd : NULL, fd >= 0 ? 1 : 0, (int)wait_ms, NULL) !=
	    CURLM_OK)
		return ERR_INTERNAL;
	if (curl_multi_perform(m->multi, &still) != CURLM_OK)
		return ERR_INTERNAL;
	collect(m);
	return ERR_OK;
}

void
http_xfer_fini(struct http_multi *m, struct http_xfer *x)
{
	if (x->easy != NULL && !x->done && m->multi != NULL) {
		curl_multi_remove_handle(m->multi, x->easy);
		m->running--;
	}
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->headers);
	x->easy = x->headers = NULL;
	http_response_fini(&x->res);
	x->done = true;
}
