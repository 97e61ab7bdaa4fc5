/*
 * lib/gen/fetch.h - turns a provider's images (URLs or bytes) into
 * stored files: downloads only over http(s) from allowed hosts (the
 * provider's own host and PROVIDER_ALLOWED_HOSTS), capped in size, then
 * checked by their bytes and written atomically (lib/storage).
 * Not here: the provider protocols, the database, running the download
 * (the engine's driver does, with its other transfers).
 */
#ifndef GEN_FETCH_H
#define GEN_FETCH_H

#include "lib/http/http.h"
#include "lib/providers/provider.h"
#include "lib/storage/write.h"

struct fetch_ctx {
	const struct config	*cfg;
	const char		*provider_base;	/* its host is allowed */
	const char		*provider;	/* name, for the path */
	const char		*project;
	long			 timeout_ms;	/* per download; 0 = config */
};

/* The download of url into req (url borrowed), or ERR_BAD_RESPONSE with
 * why when its host is not allowed. */
enum err	fetch_request(const struct fetch_ctx *f, const char *url,
		    struct http_request *req, char *why, size_t whylen);
/* The verdict on a finished download's status. */
enum err	fetch_answer(const struct http_response *res, char *why,
		    size_t whylen);
/*
 * Stores image bytes as images/{project}/{provider}/{id}.{ext}; id is a
 * new UUID written into image_id. ERR_IMAGE_INVALID / ERR_IMAGE_TOO_LARGE
 * (the provider's fault), ERR_STORAGE_FULL / ERR_STORAGE (ours).
 */
enum err	fetch_keep(const struct fetch_ctx *f, const unsigned char *data,
		    size_t len, char image_id[37], struct store_result *res,
		    char *why, size_t whylen);
/* True when url is http(s) and its host is base's or in the list. */
bool		fetch_url_allowed(const char *url, const char *base,
		    const char *list);

#endif
