/*
 * lib/gen/oai.c - the OpenAI images wire format (see oai.h).
 * Not here: the generation's own field rules (genreq.c), HTTP (app/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/core/b64.h"
#include "lib/core/util.h"
#include "lib/gen/oai.h"
#include "lib/json/json.h"
#include "lib/storage/contain.h"

#define OAI_FILE_MAX	(64L * 1024 * 1024)	/* one stored image, read */

/* The fields OpenAI's images.generate sends; those not mapped are
 * accepted and ignored (quality, user, background, ...). */
static const char *const oai_fields[] = { "model", "prompt", "n", "size",
    "response_format", "quality", "style", "user", "background",
    "moderation", "output_format", "output_compression", "stream",
    "partial_images", NULL };
static const char *const oai_formats[] = { "url", "b64_json", NULL };
static const char *const oai_qualities[] = { "auto", "standard", "hd",
    "low", "medium", "high", NULL };
/* OpenAI's model names: served by whichever provider selection picks. */
static const char *const oai_auto_prefixes[] = { "dall-e-", "gpt-image-",
    NULL };

/* Short provider names a model may give -> the registry's. */
static const struct {
	const char	*model;
	const char	*provider;
} oai_short[] = {
	{ "leonardo",	"leonardo_ai" },
	{ "runware",	"runware_ai" },
};

/* Our field names (in genreq's messages) -> OpenAI's. */
static const struct {
	const char	*ours;
	const char	*theirs;
} oai_names[] = {
	{ "num_images",		"n" },
	{ "width",		"size" },
	{ "height",		"size" },
	{ "aspect_ratio",	"size" },
	{ "provider",		"model" },
	{ "prompt",		"prompt" },
	{ "style",		"style" },
	{ "model",		"model" },
	{ "n",			"n" },
	{ "size",		"size" },
	{ "response_format",	"response_format" },
	{ "quality",		"quality" },
	{ "stream",		"stream" },
};

/* OpenAI's error type per HTTP status class. */
static const char *
oai_type(int status)
{
	if (status == 401)
		return "authentication_error";
	if (status == 403)
		return "permission_error";
	if (status == 429)
		return "rate_limit_error";
	return status >= 500 ? "server_error" : "invalid_request_error";
}

int
oai_status(enum err e)
{
	int st = err_status(e);

	return st == 422 ? 400 : st;
}

json_t *
oai_error_new(enum err e, const char *message)
{
	const char *param = NULL, *colon = strchr(message, ':'), *code;
	char text[640];
	size_t i, n = colon ? (size_t)(colon - message) : 0;

	snprintf(text, sizeof(text), "%s", message);
	for (i = 0; colon != NULL && i < NELEM(oai_names); i++)
		if (strlen(oai_names[i].ours) == n &&
		    strncmp(message, oai_names[i].ours, n) == 0) {
			param = oai_names[i].theirs;
			snprintf(text, sizeof(text), "%s%s", param, colon);
			break;
		}
	code = e == ERR_CONTENT_BLOCKED ? "content_policy_violation" :
	    err_code(e);
	return json_pack("{s:{s:o,s:s,s:s?,s:s}}", "error", "message",
	    jx_text_new(text), "type", oai_type(oai_status(e)), "param",
	    param, "code", code);
}

/* "WxH" (or "auto": the default size) into gen's width and height. */
static enum err
oai_size(const char *size, json_t *gen, char *why, size_t whylen)
{
	int w, h, n = 0;

	if (size == NULL || strcmp(size, "auto") == 0)
		return ERR_OK;
	if (sscanf(size, "%5dx%5d%n", &w, &h, &n) != 2 || size[n] != '\0') {
		snprintf(why, whylen, "size: must be \"WxH\" (e.g. "
		    "\"1024x1024\") or \"auto\"");
		return ERR_INVALID_FIELD;
	}
	json_object_set_new(gen, "width", json_integer(w));
	json_object_set_new(gen, "height", json_integer(h));
	return ERR_OK;
}

/* model -> gen's provider: a provider name (registry's, or leonardo,
 * runware), "auto", or an OpenAI model name (auto). */
static void
oai_model(const char *model, json_t *gen)
{
	size_t i;

	if (model == NULL || strcmp(model, "auto") == 0)
		return;
	for (i = 0; oai_auto_prefixes[i] != NULL; i++)
		if (strncmp(model, oai_auto_prefixes[i],
		    strlen(oai_auto_prefixes[i])) == 0)
			return;
	for (i = 0; i < NELEM(oai_short); i++)
		if (strcmp(model, oai_short[i].model) == 0)
			model = oai_short[i].provider;
	json_object_set_new(gen, "provider", json_string(model));
}

/* The fields checked here, not by genreq: their types and values. */
static enum err
oai_check(const json_t *in, const char **model, const char **size,
    int *format, char *why, size_t whylen)
{
	const char *s = NULL;
	bool stream = false;
	int q;
	enum err e;

	if ((e = jx_check_keys(in, oai_fields, why, whylen)) ||
	    (e = jx_string(in, "model", false, model, why, whylen)) ||
	    (e = jx_string(in, "size", false, size, why, whylen)) ||
	    (e = jx_enum(in, "response_format", false, oai_formats, format,
	    why, whylen)) || (e = jx_enum(in, "quality", false,
	    oai_qualities, &q, why, whylen)) || (e = jx_string(in, "user",
	    false, &s, why, whylen)) || (e = jx_bool(in, "stream", false,
	    &stream, why, whylen)))
		return e;
	if (stream) {
		snprintf(why, whylen, "stream: streaming is not offered here");
		return ERR_INVALID_FIELD;
	}
	return ERR_OK;
}

/* Does host ("name", "name:port", "[v6]" or "[v6]:port") carry a port? */
static bool
host_has_port(const char *host)
{
	const char *close = strrchr(host, ']');

	return strchr(close ? close : host, ':') != NULL;
}

void
oai_origin(const char *public_base, const char *scheme, const char *host,
    const char *port, char *out, size_t len)
{
	bool https = scheme != NULL && strcmp(scheme, "https") == 0;
	size_t n;

	if (public_base != NULL && (n = strlen(public_base)) > 0) {
		snprintf(out, len, "%.*s", (int)(n - (public_base[n - 1] ==
		    '/')), public_base);
		return;
	}
	if (host == NULL || host[0] == '\0')
		host = "localhost";
	if (port == NULL || host_has_port(host) ||
	    strcmp(port, https ? "443" : "80") == 0)
		port = NULL;
	snprintf(out, len, "%s://%s%s%s", https ? "https" : "http", host,
	    port ? ":" : "", port ? port : "");
}

enum err
oai_request_parse(const json_t *in, const char *base_url, json_t **gen,
    json_t **answer, char *why, size_t whylen)
{
	const char *model = NULL, *size = NULL, *style = NULL;
	int format = 0;
	enum err e;

	*gen = *answer = NULL;
	if ((e = oai_check(in, &model, &size, &format, why, whylen)) ||
	    (e = jx_string(in, "style", false, &style, why, whylen)))
		return e;
	if ((*gen = json_object()) == NULL)
		return ERR_NOMEM;
	if (json_object_get(in, "prompt") != NULL)
		json_object_set(*gen, "prompt", json_object_get(in, "prompt"));
	if (json_object_get(in, "n") != NULL &&
	    !json_is_null(json_object_get(in, "n")))
		json_object_set(*gen, "num_images", json_object_get(in, "n"));
	/* OpenAI's vivid / natural have no equivalent; other names are our
	 * styles (genreq checks them). */
	if (style != NULL && strcmp(style, "vivid") != 0 &&
	    strcmp(style, "natural") != 0)
		json_object_set_new(*gen, "style", json_string(style));
	oai_model(model, *gen);
	if ((e = oai_size(size, *gen, why, whylen)) != ERR_OK) {
		json_decref(*gen);
		*gen = NULL;
		return e;
	}
	*answer = json_pack("{s:s,s:s}", "response_format",
	    oai_formats[format], "base_url", base_url);
	return *answer == NULL ? ERR_NOMEM : ERR_OK;
}

bool
oai_job(const json_t *r)
{
	return json_is_object(json_object_get(json_object_get(r, "params"),
	    OAI_PARAMS_KEY));
}

/* The bytes of storage_dir/rel, base64-encoded (caller frees), or NULL
 * when rel is not a stored path beneath the root (no "..", no link on
 * the way: lib/storage/contain.c) or cannot be read. */
static char *
oai_file_b64(const char *storage_dir, const char *rel)
{
	struct store_root root;
	unsigned char *buf = NULL;
	char *out = NULL, why[128];
	off_t n = 0;
	int fd = -1;

	if (rel == NULL || store_root_open(&root, storage_dir, why,
	    sizeof(why)) != ERR_OK)
		return NULL;
	fd = store_open_read(&root, rel, &n);
	store_root_close(&root);
	if (fd < 0 || n <= 0 || n > OAI_FILE_MAX ||
	    (buf = malloc((size_t)n)) == NULL)
		goto out;
	if (read(fd, buf, (size_t)n) == (ssize_t)n)
		out = b64_encode(buf, (size_t)n);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return out;
}

/* One data item: {"url"} or {"b64_json"}, with revised_prompt. */
static json_t *
oai_item(const json_t *img, const json_t *marker, const char *storage_dir,
    const json_t *revised)
{
	const char *rel = json_string_value(json_object_get(img,
	    "local_path")), *base = json_string_value(json_object_get(marker,
	    "base_url"));
	char url[2048], *b64;
	json_t *o;

	if (strcmp(json_string_value(json_object_get(marker,
	    "response_format")), "b64_json") != 0) {
		snprintf(url, sizeof(url), "%s/storage/%s", base ? base : "",
		    rel ? rel : "");
		return json_pack("{s:s,s:O?}", "url", url, "revised_prompt",
		    revised);
	}
	if ((b64 = oai_file_b64(storage_dir, rel)) == NULL)
		return NULL;
	o = json_pack("{s:s,s:O?}", "b64_json", b64, "revised_prompt",
	    revised);
	free(b64);
	return o;
}

/* The job's error (or storage_error for an image that cannot be read)
 * as OpenAI's error answer. */
static void
oai_answer_error(const json_t *r, enum err e, const char *reqid,
    struct gen_answer *a)
{
	const json_t *er = json_object_get(r, "error");
	const char *msg = json_string_value(json_object_get(er, "message"));
	json_t *ra = json_object_get(er, "retry_after"), *inner;

	if (e == ERR_OK)
		e = err_from_code(json_string_value(json_object_get(er,
		    "code")));
	else
		msg = "a stored image could not be read";
	a->status = oai_status(e);
	a->retry_after_s = json_is_integer(ra) ? (long)json_integer_value(ra) :
	    -1;
	a->body = oai_error_new(e, msg ? msg : err_row_get(e)->message);
	inner = json_object_get(a->body, "error");
	json_object_set(inner, "generation_id", json_object_get(r, "id"));
	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(inner, "request_id", json_string(reqid));
}

void
oai_answer_job(const json_t *r, const char *storage_dir, const char *reqid,
    struct gen_answer *a)
{
	const json_t *marker = json_object_get(json_object_get(r, "params"),
	    OAI_PARAMS_KEY), *img, *revised = json_object_get(r,
	    "prompt_final");
	json_t *data, *item;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->retry_after_s = -1;
	if (strcmp(json_string_value(json_object_get(r, "status")),
	    "completed") != 0) {
		oai_answer_error(r, ERR_OK, reqid, a);
		return;
	}
	if (!json_is_string(revised))
		revised = json_object_get(r, "prompt_original");
	data = json_array();
	json_array_foreach(json_object_get(r, "images"), i, img) {
		if ((item = oai_item(img, marker, storage_dir, revised)) ==
		    NULL) {
			json_decref(data);
			oai_answer_error(r, ERR_STORAGE, reqid, a);
			return;
		}
		json_array_append_new(data, item);
	}
	a->status = 200;
	a->body = json_pack("{s:I,s:o,s:O}", "created", (json_int_t)time(NULL),
	    "data", data, "generation_id", json_object_get(r, "id"));
}

void
oai_answer_pending(const char *id, const char *reqid, struct gen_answer *a)
{
	json_t *er;

	a->status = oai_status(ERR_TIMEOUT);
	a->retry_after_s = -1;
	a->body = oai_error_new(ERR_TIMEOUT, "the generation is still "
	    "running; it completes on its own: GET the Location for its "
	    "result");
	er = json_object_get(a->body, "error");
	json_object_set_new(er, "generation_id", json_string(id));
	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(er, "request_id", json_string(reqid));
}
