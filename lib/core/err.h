/*
 * lib/core/err.h - the one error enum of imagegen and its table.
 * Each value maps to an HTTP status and a stable snake_case code string.
 * Not here: rendering the JSON error body (app/response.c), messages.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

enum err {
	ERR_OK = 0,
	ERR_BAD_JSON,			/* body is not valid JSON */
	ERR_INVALID_FIELD,		/* a field has a wrong type or value */
	ERR_MISSING_FIELD,		/* a required field is absent */
	ERR_BAD_REQUEST_ID,		/* X-Request-Id malformed */
	ERR_BAD_QUERY,			/* query string malformed */
	ERR_UNSUPPORTED_MEDIA,		/* body is not application/json */
	ERR_NOT_FOUND,			/* no route, or no such object */
	ERR_METHOD_NOT_ALLOWED,		/* route exists, method does not */
	ERR_PAYLOAD_TOO_LARGE,		/* body over BODY_MAX_BYTES */
	ERR_ORIGIN_FORBIDDEN,		/* CORS origin not in the allow-list */
	ERR_PROMPT_EMPTY,
	ERR_PROMPT_ENCODING,
	ERR_PROMPT_TOO_LONG,
	ERR_CONTENT_BLOCKED,		/* the provider refused the prompt */
	ERR_NO_IMAGE,			/* answer without an image */
	ERR_PROVIDER_AUTH,		/* provider rejected our key */
	ERR_PROVIDER_INVALID,		/* provider rejected the request */
	ERR_RATE_LIMITED,		/* 429 from a provider or from us */
	ERR_PROVIDER_UNAVAILABLE,	/* 5xx, refused connection */
	ERR_NO_PROVIDER,		/* no candidate can serve the request */
	ERR_TIMEOUT,			/* a provider or the deadline timed out */
	ERR_BAD_RESPONSE,		/* provider answer malformed */
	ERR_IMAGE_INVALID,		/* downloaded bytes are not an image */
	ERR_IMAGE_TOO_LARGE,		/* downloaded image over the cap */
	ERR_IMAGE_URL_REFUSED,		/* image URL or its address refused */
	ERR_MODEL_NOT_ALLOWED,		/* model not on the provider's list */
	ERR_STORAGE_FULL,		/* ENOSPC / EDQUOT */
	ERR_STORAGE,			/* any other storage failure */
	ERR_DB_UNAVAILABLE,		/* cannot reach PostgreSQL */
	ERR_DB,				/* query failed */
	ERR_NOMEM,
	ERR_CANCELLED,			/* the job was cancelled */
	ERR_IDEMPOTENCY_MISMATCH,	/* Idempotency-Key reused, body differs */
	ERR_AUTH_REQUIRED,		/* no Authorization: Bearer key */
	ERR_AUTH_INVALID,		/* unknown or malformed key */
	ERR_AUTH_REVOKED,		/* the key was revoked */
	ERR_SCOPE_FORBIDDEN,		/* the key lacks the route's scope */
	ERR_PROJECT_FORBIDDEN,		/* another project than the key's */
	ERR_PROJECT_NOT_FOUND,		/* no such project (admin keys) */
	ERR_KEY_RATE_LIMITED,		/* the key's requests per minute */
	ERR_KEY_INFLIGHT,		/* the key's generations in flight */
	ERR_INTERNAL,
	ERR__MAX
};

struct err_row {
	int		 status;	/* HTTP status */
	const char	*code;		/* stable code string */
	const char	*message;	/* default message */
};

/* Row for e; never NULL (an out-of-range value gives ERR_INTERNAL's). */
const struct err_row	*err_row_get(enum err e);
int			 err_status(enum err e);
const char		*err_code(enum err e);
/* The enum value of a code string ("timeout"); ERR_INTERNAL if unknown. */
enum err		 err_from_code(const char *code);

#endif
