/*
 * lib/core/err.c - the error table: enum err -> HTTP status, code, message.
 * Not here: deciding which error applies (callers), JSON rendering.
 */
#include <stddef.h>
#include <string.h>

#include "lib/core/err.h"

/* One row per enum value, indexed by it: status, code, default message. */
static const struct err_row err_rows[] = {
	[ERR_OK]		   = { 200, "ok",			"OK" },
	[ERR_BAD_JSON]		   = { 400, "bad_json",			"request body is not valid JSON" },
	[ERR_INVALID_FIELD]	   = { 422, "invalid_field",		"a field has an invalid value" },
	[ERR_MISSING_FIELD]	   = { 422, "missing_field",		"a required field is missing" },
	[ERR_BAD_REQUEST_ID]	   = { 400, "invalid_request_id",	"X-Request-Id must be 1-128 characters of [A-Za-z0-9._:-]" },
	[ERR_BAD_QUERY]		   = { 400, "invalid_query",		"query string is invalid" },
	[ERR_UNSUPPORTED_MEDIA]	   = { 415, "unsupported_media_type",	"request body must be application/json" },
	[ERR_NOT_FOUND]		   = { 404, "not_found",		"no such resource" },
	[ERR_METHOD_NOT_ALLOWED]   = { 405, "method_not_allowed",	"method not allowed on this resource" },
	[ERR_PAYLOAD_TOO_LARGE]	   = { 413, "payload_too_large",	"request body is too large" },
	[ERR_ORIGIN_FORBIDDEN]	   = { 403, "origin_not_allowed",	"origin is not in CORS_ORIGINS" },
	[ERR_PROMPT_EMPTY]	   = { 422, "prompt_empty",		"prompt is empty" },
	[ERR_PROMPT_ENCODING]	   = { 422, "prompt_invalid_encoding",	"prompt is not valid UTF-8 or contains NUL" },
	[ERR_PROMPT_TOO_LONG]	   = { 400, "prompt_too_long",		"prompt is too long" },
	[ERR_CONTENT_BLOCKED]	   = { 422, "content_blocked",		"the provider refused the prompt" },
	[ERR_NO_IMAGE]		   = { 502, "no_image",			"the provider returned no image" },
	[ERR_PROVIDER_AUTH]	   = { 502, "auth_failed",		"the provider rejected the API key" },
	[ERR_PROVIDER_INVALID]	   = { 502, "invalid_request",		"the provider rejected the request" },
	[ERR_RATE_LIMITED]	   = { 429, "rate_limited",		"rate limit reached" },
	[ERR_PROVIDER_UNAVAILABLE] = { 503, "provider_unavailable",	"the provider is unavailable" },
	[ERR_NO_PROVIDER]	   = { 503, "no_provider",		"no provider can serve this request" },
	[ERR_TIMEOUT]		   = { 504, "timeout",			"the request timed out" },
	[ERR_BAD_RESPONSE]	   = { 502, "bad_response",		"the provider answered something malformed" },
	[ERR_IMAGE_INVALID]	   = { 502, "image_invalid",		"the downloaded data is not a supported image" },
	[ERR_IMAGE_TOO_LARGE]	   = { 502, "image_too_large",		"the image is over the size cap" },
	[ERR_IMAGE_URL_REFUSED]	   = { 502, "image_url_refused",	"the provider returned an image URL that is not allowed" },
	[ERR_MODEL_NOT_ALLOWED]	   = { 422, "model_not_allowed",	"the model is not offered by the provider" },
	[ERR_STORAGE_FULL]	   = { 507, "insufficient_storage",	"no space left to store the image" },
	[ERR_STORAGE]		   = { 500, "storage_error",		"the image could not be stored" },
	[ERR_DB_UNAVAILABLE]	   = { 503, "database_unavailable",	"the database is unavailable" },
	[ERR_DB]		   = { 500, "database_error",		"a database query failed" },
	[ERR_NOMEM]		   = { 500, "out_of_memory",		"out of memory" },
	[ERR_CANCELLED]		   = { 409, "cancelled",		"the job was cancelled" },
	[ERR_IDEMPOTENCY_MISMATCH] = { 422, "idempotency_key_reused",	"this Idempotency-Key was used with another request body" },
	[ERR_AUTH_REQUIRED]	   = { 401, "unauthorized",		"an API key is required: Authorization: Bearer <key>" },
	[ERR_AUTH_INVALID]	   = { 401, "invalid_api_key",		"the API key is not valid" },
	[ERR_AUTH_REVOKED]	   = { 401, "api_key_revoked",		"the API key was revoked" },
	[ERR_SCOPE_FORBIDDEN]	   = { 403, "insufficient_scope",	"the API key lacks the scope this route needs" },
	[ERR_PROJECT_FORBIDDEN]	   = { 403, "project_forbidden",	"the API key belongs to another project" },
	[ERR_PROJECT_NOT_FOUND]	   = { 404, "project_not_found",	"no such project" },
	[ERR_KEY_RATE_LIMITED]	   = { 429, "key_rate_limited",		"the API key's requests per minute are spent" },
	[ERR_KEY_INFLIGHT]	   = { 429, "too_many_in_flight",	"the API key has too many generations in flight" },
	[ERR_INTERNAL]		   = { 500, "internal_error",		"internal error" },
};

_Static_assert(sizeof(err_rows) / sizeof(err_rows[0]) == ERR__MAX,
    "err_rows must have one row per enum err value");

const struct err_row *
err_row_get(enum err e)
{
	if ((unsigned)e >= ERR__MAX || err_rows[e].code == NULL)
		return &err_rows[ERR_INTERNAL];
	return &err_rows[e];
}

int
err_status(enum err e)
{
	return err_row_get(e)->status;
}

const char *
err_code(enum err e)
{
	return err_row_get(e)->code;
}

enum err
err_from_code(const char *code)
{
	int e;

	for (e = 0; code != NULL && e < ERR__MAX; e++)
		if (err_rows[e].code != NULL &&
		    strcmp(err_rows[e].code, code) == 0)
			return (enum err)e;
	return ERR_INTERNAL;
}
