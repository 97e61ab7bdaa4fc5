/*
 * lib/http/http.h - the libcurl client every outbound call goes through:
 * one reused easy handle per worker (keep-alive), connect and total
 * timeouts, a response size cap, http/https only, TLS verified, no
 * redirects unless asked. HTTP statuses are data; only transport failures
 * are errors, mapped from CURLcode in one place.
 * Not here: retries and provider error bodies (callers); logging headers
 * (never: they carry API keys).
 * Two ways to run: http_do() blocks on the worker's easy handle;
 * http_xfer_start() + http_multi_run() run many transfers at once over one
 * curl multi handle (batches, and every generation: one driver).
 */
#ifndef HTTP_HTTP_H
#define HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"

#define HTTP_HEADERS_MAX	8

struct http_client {
	void	*easy;		/* CURL *, created lazily */
};

struct http_request {
	const char	*method;	/* "GET" (default) / "POST" */
	const char	*url;
	const char	*const *headers; /* "Name: value", NULL-ended */
	const char	*body;		/* NULL = none */
	size_t		 body_len;
	long		 connect_ms;
	long		 timeout_ms;
	size_t		 max_bytes;	/* 0 = 8 MiB */
	bool		 is_image;	/* over the cap: ERR_IMAGE_TOO_LARGE */
	int		 max_redirects;	/* 0 = none followed */
	/* true: connecting to a loopback, private, link-local or otherwise
	 * internal address fails (checked on the address actually dialled,
	 * after DNS), unless its host or IP is in the comma list private_ok.
	 * ERR_INVALID_FIELD then, "address not allowed" in why. */
	bool		 public_only;
	const char	*private_ok;
};

struct http_response {
	long		 status;
	char		*body;		/* malloc'd, NUL-terminated */
	size_t		 len;
	char		 content_type[128];
	long		 retry_after_s;	/* -1 when absent */
	double		 total_ms;
};

/* Where a body goes while it arrives (capped). */
struct http_sink {
	struct http_response	*res;
	size_t			 cap;
	size_t			 alloc;
	bool			 over;
	bool			 is_image;
	bool			 public_only;	/* see http_request */
	const char		*private_ok;
	char			 host[256];	/* of the URL (for private_ok) */
	char			 refused[64];	/* the address refused */
};

/* Concurrent transfers; one per worker so that connections are reused. */
struct http_multi {
	void	*multi;		/* CURLM *, created lazily */
	int	 running;	/* transfers started and not yet done */
};

/* One transfer of a multi; the caller owns it and must not move it
 * between http_xfer_start() and http_xfer_fini(). */
struct http_xfer {
	struct http_response	 res;	/* once done */
	enum err		 err;	/* once done: as http_do() */
	char			 why[256];
	bool			 done;
	void			*user;	/* the caller's */
	/* http.c's: */
	void			*easy;
	void			*headers;
	struct http_sink	 sink;
	char			 errbuf[256];
};

void		http_client_init(struct http_client *c);
void		http_client_fini(struct http_client *c);
/*
 * Performs req into res (caller frees with http_response_fini(), also
 * after a failure). ERR_TIMEOUT, ERR_PROVIDER_UNAVAILABLE (connect,
 * reset, TLS), ERR_BAD_RESPONSE or ERR_IMAGE_TOO_LARGE (over the cap),
 * ERR_INVALID_FIELD (not an http(s) URL), with curl's text in why.
 */
enum err	http_do(struct http_client *c, const struct http_request *req,
		    struct http_response *res, char *why, size_t whylen);
/* http_do, then the body parsed as JSON into *out (NULL when it is not:
 * then ERR_BAD_RESPONSE). The status is in res->status either way. */
enum err	http_json(struct http_client *c, const struct http_request *req,
		    struct http_response *res, json_t **out, char *why,
		    size_t whylen);
void		http_response_fini(struct http_response *res);

void		http_multi_init(struct http_multi *m);
void		http_multi_fini(struct http_multi *m);
/* Starts req (its strings are copied by curl or must outlive the
 * transfer: url and body are borrowed until done). On failure x is done
 * already, with err and why. */
enum err	http_xfer_start(struct http_multi *m, struct http_xfer *x,
		    const struct http_request *req);
/* Moves every transfer on, waiting up to wait_ms for activity on them or
 * input on fd (-1: none); each one that ended has done set. ERR_NOMEM /
 * ERR_INTERNAL on a multi failure. */
enum err	http_multi_run(struct http_multi *m, long wait_ms, int fd);
/* Detaches x (done or not) and frees what it holds, res included. */
void		http_xfer_fini(struct http_multi *m, struct http_xfer *x);
/* True for an IP address (text) that is not on the public internet:
 * loopback, private, link-local, CGNAT, unspecified, multicast, ULA. */
bool		http_addr_internal(const char *ip);
/* True when url's host is localhost or an internal IP literal (what a
 * public answer may say instead of the URL itself). */
bool		http_url_local(const char *url);
/* True when item (a host or an IP) is in the comma list. */
bool		http_list_has(const char *list, const char *item);
/* 408, 429 and 5xx: worth another try. */
bool		http_status_transient(long status);
/* Retry-After value (delta seconds or HTTP date) in seconds, or -1. */
long		http_retry_after_parse(const char *v, long now_s);

#endif
