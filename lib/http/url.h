/*
 * lib/http/url.h - an http(s) URL taken apart by libcurl's own parser
 * (curl_url()), so that the host a check looks at is the host curl will
 * connect to: user info refused, host lower-cased, port made explicit.
 * Not here: which hosts are allowed (lib/gen/fetch.c, lib/gen/deliver.c);
 * the check on the address actually dialled (http.c).
 */
#ifndef HTTP_URL_H
#define HTTP_URL_H

#include <stdbool.h>

#include "lib/core/err.h"

struct http_url {
	bool	 https;		/* else http */
	char	 host[256];	/* lower case; IPv6 without brackets */
	long	 port;		/* the URL's or the scheme's */
};

/*
 * Parses url into out. ERR_INVALID_FIELD when curl cannot parse it, the
 * scheme is not http or https, it has no host, or it carries user info
 * ("user@", "user:pw@", even an empty "@").
 */
enum err	http_url_parse(const char *url, struct http_url *out);
/* True when host is "localhost", "*.localhost" or an internal IP
 * literal (http_addr_internal()). */
bool		http_host_local(const char *host);
/* True when url parses and its host is local (http_host_local()): what
 * public answers say instead of showing an endpoint's URL. */
bool		http_url_local(const char *url);

#endif
