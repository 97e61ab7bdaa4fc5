/*
 * lib/http/url.c - http(s) URLs through curl_url(): the host curl uses.
 * Not here: allow-lists; connecting.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include <curl/curl.h>

#include "lib/http/http.h"
#include "lib/http/url.h"

/* True when part is present in u (user, password, login options). */
static bool
url_has(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	CURLUcode rc = curl_url_get(u, part, &v, 0);

	curl_free(v);
	return rc == CURLUE_OK;
}

/* Copies curl's host into out->host: lower case, brackets dropped. */
static enum err
url_host_copy(const char *h, struct http_url *out)
{
	size_t n = strlen(h), i;

	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(out->host))
		return ERR_INVALID_FIELD;
	for (i = 0; i < n; i++)
		out->host[i] = (char)tolower((unsigned char)h[i]);
	out->host[n] = '\0';
	return ERR_OK;
}

enum err
http_url_parse(const char *url, struct http_url *out)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	enum err e = ERR_INVALID_FIELD;
	CURLU *u;

	memset(out, 0, sizeof(*out));
	if ((u = curl_url()) == NULL)
		return ERR_NOMEM;
	if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	if (url_has(u, CURLUPART_USER) || url_has(u, CURLUPART_PASSWORD) ||
	    url_has(u, CURLUPART_OPTIONS))
		goto out;
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0)
		goto out;
	out->https = strcasecmp(scheme, "https") == 0;
	out->port = strtol(port, NULL, 10);
	e = url_host_copy(host, out);
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return e;
}

bool
http_host_local(const char *host)
{
	unsigned char a[16];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 || (n > 10 &&
	    strcasecmp(host + n - 10, ".localhost") == 0))
		return true;
	return (inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host,
	    a) == 1) && http_addr_internal(host);
}

bool
http_url_local(const char *url)
{
	struct http_url u;

	return http_url_parse(url, &u) == ERR_OK && http_host_local(u.host);
}
