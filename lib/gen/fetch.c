/*
 * lib/gen/fetch.c - image downloads: which URLs, with which connect
 * rule, and what a client is told when one fails.
 * Not here: sniffing and writing (lib/storage/write.c).
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/gen/fetch.h"
#include "lib/http/url.h"

/* Why a download failed, as clients see it: by code only (the URL, the
 * address, the status and the size go to the log). */
static const struct {
	enum err	 e;
	const char	*text;
} fetch_texts[] = {
	{ ERR_IMAGE_URL_REFUSED,	"the image URL is not allowed" },
	{ ERR_IMAGE_INVALID,		"the image is not a supported image" },
	{ ERR_IMAGE_TOO_LARGE,		"the image is over the size cap" },
	{ ERR_STORAGE_FULL,		"no space left to store the image" },
	{ ERR_STORAGE,			"the image could not be stored" },
};

/* True when a and b are the same scheme, host and port. */
static bool
same_origin(const struct http_url *a, const struct http_url *b)
{
	return a->https == b->https && a->port == b->port &&
	    strcmp(a->host, b->host) == 0;
}

enum fetch_verdict
fetch_url_check(const char *url, const char *base, const char *list)
{
	struct http_url u, b;

	if (http_url_parse(url, &u) != ERR_OK)
		return FETCH_REFUSED;
	if (base != NULL && http_url_parse(base, &b) == ERR_OK &&
	    same_origin(&u, &b))
		return !b.https || http_host_local(b.host) ? FETCH_LOCAL :
		    FETCH_PUBLIC;
	return u.https && http_list_has(list, u.host) ? FETCH_PUBLIC :
	    FETCH_REFUSED;
}

enum err
fetch_request(const struct fetch_ctx *f, const char *url,
    struct http_request *req, char *why, size_t whylen)
{
	enum fetch_verdict v = fetch_url_check(url, f->provider_base,
	    f->cfg->provider_allowed_hosts);

	if (v == FETCH_REFUSED)
		return fetch_fail(f, ERR_IMAGE_URL_REFUSED, "not on an allowed "
		    "host (PROVIDER_ALLOWED_HOSTS) or not https", url, why,
		    whylen);
	memset(req, 0, sizeof(*req));
	req->url = url;
	req->connect_ms = f->cfg->provider_connect_ms;
	req->timeout_ms = f->timeout_ms > 0 ? f->timeout_ms :
	    f->cfg->provider_timeout_ms;
	req->max_bytes = (size_t)f->cfg->image_max_bytes;
	req->is_image = true;
	req->max_redirects = 0;		/* a 3xx is a failed download */
	req->public_only = v == FETCH_PUBLIC;
	return ERR_OK;
}

enum err
fetch_answer(const struct fetch_ctx *f, enum err e, const char *detail,
    const struct http_response *res, const char *url, char *why,
    size_t whylen)
{
	char d[320];

	if (e == ERR_INVALID_FIELD)	/* an internal address, refused */
		e = ERR_IMAGE_URL_REFUSED;
	if (e == ERR_OK && res->status == 200)
		return ERR_OK;
	if (e == ERR_OK) {		/* a redirect is not followed */
		snprintf(d, sizeof(d), "answered HTTP %ld", res->status);
		e = res->status >= 500 ? ERR_PROVIDER_UNAVAILABLE :
		    res->status >= 300 && res->status < 400 ?
		    ERR_IMAGE_URL_REFUSED : ERR_BAD_RESPONSE;
	} else
		snprintf(d, sizeof(d), "%s", detail);
	return fetch_fail(f, e, d, url, why, whylen);
}

enum err
fetch_fail(const struct fetch_ctx *f, enum err e, const char *detail,
    const char *url, char *why, size_t whylen)
{
	const char *text = "the image download failed";
	size_t i;

	for (i = 0; i < NELEM(fetch_texts); i++)
		if (fetch_texts[i].e == e)
			text = fetch_texts[i].text;
	snprintf(why, whylen, "%s", text);
	if (f->log != NULL)
		log_warn(f->log, "job %s: %s image %.300s: %s: %s",
		    f->job ? f->job : "-", f->provider, url ? url : "(bytes)",
		    err_code(e), detail);
	return e;
}

enum err
fetch_keep(const struct fetch_ctx *f, const char *url,
    const unsigned char *data, size_t len, char image_id[37],
    struct store_result *res, char *why, size_t whylen)
{
	struct store_opts o = { f->cfg->storage_dir,
	    (size_t)f->cfg->image_max_bytes, NULL };
	char detail[320];
	enum err e;

	uuid_make(image_id);
	if ((e = store_write_image(&o, f->project, f->provider, image_id, data,
	    len, res, detail, sizeof(detail))) != ERR_OK)
		return fetch_fail(f, e, detail, url, why, whylen);
	return ERR_OK;
}
