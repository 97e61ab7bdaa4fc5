/*
 * lib/json/jobview.c - job record -> public response shape.
 * Not here: HTTP statuses (handlers).
 */
#include <stdio.h>
#include <string.h>

#include "lib/http/url.h"
#include "lib/json/jobview.h"
#include "lib/providers/registry.h"

/*
 * One image: url is what the provider gave (as the seed answered; null
 * when it sent bytes, and when its address is local: a sandbox or a LAN
 * host means nothing to a client), public_url and local_url our copy.
 */
static json_t *
image_view(const json_t *img, const char *base)
{
	const char *path = json_string_value(json_object_get(img,
	    "local_path")), *src = json_string_value(json_object_get(img,
	    "source_url"));
	char local[1024], pub[2048];

	snprintf(local, sizeof(local), "/storage/%s", path ? path : "");
	if (base != NULL && base[0] != '\0')
		snprintf(pub, sizeof(pub), "%.*s%s", (int)(strlen(base) -
		    (base[strlen(base) - 1] == '/')), base, local);
	else
		snprintf(pub, sizeof(pub), "%s", local);
	if (src != NULL && http_url_local(src))
		src = NULL;
	return json_pack("{s:O?,s:s?,s:s,s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,"
	    "s:O?}",
	    "id", json_object_get(img, "id"), "url", src, "public_url", pub,
	    "local_url", local,
	    "width", json_object_get(img, "width"),
	    "height", json_object_get(img, "height"),
	    "format", json_object_get(img, "format"),
	    "bytes", json_object_get(img, "bytes"),
	    "sha256", json_object_get(img, "sha256"),
	    "nsfw", json_object_get(img, "nsfw"),
	    "synthid", json_object_get(img, "synthid"));
}

/* ms (number or null) as seconds. */
static json_t *
seconds(const json_t *ms)
{
	return json_is_number(ms) ? json_real(json_number_value(ms) / 1000.0) :
	    json_null();
}

/* O? on a NULL member gives null, keeping the key. */
#define MEMBER(k)	json_object_get(record, (k))

json_t *
jobview_render(const json_t *record, const char *public_base)
{
	json_t *images = json_array(), *img, *meta, *pv;
	size_t i;

	json_array_foreach(MEMBER("images"), i, img)
		json_array_append_new(images, image_view(img, public_base));
	pv = json_object_get(MEMBER("prompt_meta"), "prompt_validation");
	meta = json_pack("{s:O?,s:o,s:O?,s:s?,s:O?,s:O?,s:O?,s:O?,s:O?}",
	    "prompt_validation", pv, "generation_time",
	    seconds(MEMBER("generate_ms")), "provider_model",
	    MEMBER("provider_model"), "provider_model_name",
	    prov_model_name(json_string_value(MEMBER("provider_model"))),
	    "provider_prompt", json_object_get(MEMBER("prompt_meta"),
	    "provider_prompt"), "provider_meta", json_object_get(
	    MEMBER("prompt_meta"), "provider_meta"),
	    "attempts", MEMBER("attempts"),
	    "params", MEMBER("params"), "analysis",
	    json_object_get(MEMBER("prompt_meta"), "analysis"));
	return json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:O?,s:o,s:o,s:O?,s:O?,"
	    "s:O?,s:O?,s:O*,s:O*}",
	    "generation_id", MEMBER("id"),
	    "project_id", MEMBER("project_id"),
	    "status", MEMBER("status"),
	    "provider", MEMBER("provider"),
	    "requested_provider", MEMBER("requested_provider"),
	    "prompt", MEMBER("prompt_final") ? MEMBER("prompt_final") :
	    MEMBER("prompt_original"),
	    "images", images,
	    "metadata", meta,
	    "error", MEMBER("error"),
	    "warnings", MEMBER("warnings"),
	    "created_at", MEMBER("created_at"),
	    "completed_at", MEMBER("completed_at"),
	    "webhook", json_is_object(MEMBER("webhook")) ? MEMBER("webhook") :
	    NULL, "images_deleted_at", json_is_string(MEMBER(
	    "images_deleted_at")) ? MEMBER("images_deleted_at") : NULL);
}
