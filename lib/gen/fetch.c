/*
 * lib/gen/fetch.c - image downloads with a host allow-list.
 * Not here: sniffing and writing (lib/storage/write.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/core/uuid.h"
#include "lib/gen/fetch.h"

/* Host part of an http(s) URL into buf; false when not http(s). */
static bool
url_host(const char *url, char *buf, size_t len)
{
	const char *p, *end;

	if (strncasecmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return false;
	end = p + strcspn(p, ":/?#");
	if (end == p || (size_t)(end - p) >= len || memchr(p, '@',
	    (size_t)(end - p)) != NULL)
		return false;
	snprintf(buf, len, "%.*s", (int)(end - p), p);
	return true;
}

static bool
in_list(const char *host, const char *list)
{
	const char *p, *comma;
	size_t n;

	for (p = list; p != NULL && *p != '\0'; p = *comma ? comma + 1 : comma) {
		while (*p == ' ')
			p++;
		comma = p + strcspn(p, ",");
		n = (size_t)(comma - p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == strlen(host) && n > 0 && strncasecmp(p, host, n) == 0)
			return true;
	}
	return false;
}

bool
fetch_url_allowed(const char *url, const char *base, const char *list)
{
	char host[256], bhost[256];

	if (!url_host(url, host, sizeof(host)))
		return false;
	if (base != NULL && url_host(base, bhost, sizeof(bhost)) &&
	    strcasecmp(host, bhost) == 0)
		return true;
	return in_list(host, list);
}

enum err
fetch_request(const struct fetch_ctx *f, const char *url,
    struct http_request *req, char *why, size_t whylen)
{
	if (url == NULL || !fetch_url_allowed(url, f->provider_base,
	    f->cfg->provider_allowed_hosts)) {
		snprintf(why, whylen, "image URL %.200s is not on an allowed "
		    "host (PROVIDER_ALLOWED_HOSTS)", url ? url : "");
		return ERR_BAD_RESPONSE;
	}
	memset(req, 0, sizeof(*req));
	req->url = url;
	req->connect_ms = f->cfg->provider_connect_ms;
	req->timeout_ms = f->timeout_ms > 0 ? f->timeout_ms :
	    f->cfg->provider_timeout_ms;
	req->max_bytes = (size_t)f->cfg->image_max_bytes;
	req->is_image = true;
	req->max_redirects = 3;
	return ERR_OK;
}

enum err
fetch_answer(const struct http_response *res, char *why, size_t whylen)
{
	if (res->status == 200)
		return ERR_OK;
	snprintf(why, whylen, "image download answered HTTP %ld", res->status);
	return res->status >= 500 ? ERR_PROVIDER_UNAVAILABLE : ERR_BAD_RESPONSE;
}

enum err
fetch_keep(const struct fetch_ctx *f, const unsigned char *data, size_t len,
    char image_id[37], struct store_result *res, char *why, size_t whylen)
{
	struct store_opts o = { f->cfg->storage_dir,
	    (size_t)f->cfg->image_max_bytes, NULL };

	uuid_make(image_id);
	return store_write_image(&o, f->project, f->provider, image_id, data,
	    len, res, why, whylen);
}
