/*
 * lib/gen/fetch.h - turns a provider's images (URLs or bytes) into
 * stored files: downloads only over https from PROVIDER_ALLOWED_HOSTS or
 * from the provider's own endpoint, no redirects, public addresses only
 * (checked when connecting) unless that endpoint is local, capped in size,
 * then checked by their bytes and written atomically (lib/storage). A
 * client sees a stable code and a generic message; the log the detail.
 * Not here: the provider protocols, the database, running the download
 * (the engine's driver does, with its other transfers).
 */
#ifndef GEN_FETCH_H
#define GEN_FETCH_H

#include "lib/http/http.h"
#include "lib/log/log.h"
#include "lib/providers/provider.h"
#include "lib/storage/write.h"

/* What may be fetched from a URL: nothing, over the public internet
 * only, or from the provider's own local endpoint (ComfyUI, a sandbox). */
enum fetch_verdict { FETCH_REFUSED = 0, FETCH_PUBLIC, FETCH_LOCAL };

struct fetch_ctx {
	const struct config	*cfg;
	const char		*provider_base;	/* its origin is allowed */
	const char		*provider;	/* name, for the path */
	const char		*project;
	long			 timeout_ms;	/* per download; 0 = config */
	struct log		*log;		/* failures' detail; may be NULL */
	const char		*job;		/* id, for the log; may be NULL */
};

/*
 * The verdict on url (parsed by libcurl, lib/http/url.h): FETCH_LOCAL for
 * the scheme, host and port of base when base is http or local (its own
 * address may be internal); FETCH_PUBLIC for base's origin otherwise, and
 * for https on a host in list; FETCH_REFUSED for anything else (user
 * info, another scheme or port of base, http elsewhere, other hosts).
 */
enum fetch_verdict fetch_url_check(const char *url, const char *base,
		    const char *list);
/* The download of url into req (url borrowed): no redirect followed, and
 * public addresses only unless FETCH_LOCAL. ERR_IMAGE_URL_REFUSED (as
 * fetch_fail()) when fetch_url_check() refuses it. */
enum err	fetch_request(const struct fetch_ctx *f, const char *url,
		    struct http_request *req, char *why, size_t whylen);
/* The verdict on a finished download of url (its transfer error e with
 * curl's detail, and res): ERR_OK for a 200; ERR_IMAGE_URL_REFUSED for
 * an internal address or a redirect; else as fetch_fail(). */
enum err	fetch_answer(const struct fetch_ctx *f, enum err e,
		    const char *detail, const struct http_response *res,
		    const char *url, char *why, size_t whylen);
/* Logs e with detail and url (NULL: bytes), then writes the generic text
 * for e into why (never the URL, an address, a status or a size); e. */
enum err	fetch_fail(const struct fetch_ctx *f, enum err e,
		    const char *detail, const char *url, char *why,
		    size_t whylen);
/*
 * Stores image bytes (downloaded from url, NULL when the provider sent
 * them) as images/{project}/{provider}/{id}.{ext}; id is a new UUID
 * written into image_id. ERR_IMAGE_INVALID / ERR_IMAGE_TOO_LARGE (the
 * provider's fault), ERR_STORAGE_FULL / ERR_STORAGE (ours), as fetch_fail().
 */
enum err	fetch_keep(const struct fetch_ctx *f, const char *url,
		    const unsigned char *data, size_t len, char image_id[37],
		    struct store_result *res, char *why, size_t whylen);

#endif
