/*
 * app/cors.h - CORS decisions against the CORS_ORIGINS allow-list.
 * Not here: adding the headers (serve.c).
 */
#ifndef APP_CORS_H
#define APP_CORS_H

#include <stdbool.h>

enum cors_verdict {
	CORS_NONE = 0,		/* no Origin header: not a CORS request */
	CORS_ALLOWED,
	CORS_DENIED
};

/* Headers a browser may send cross-origin (preflight answer). */
#define CORS_ALLOW_HEADERS	"Authorization, Content-Type, X-Request-Id, " \
				"Idempotency-Key, Prefer"
/* Answer headers a cross-origin page may read. */
#define CORS_EXPOSE_HEADERS	"X-Request-Id, Retry-After, Location, " \
				"RateLimit-Limit, RateLimit-Remaining, " \
				"RateLimit-Reset, Idempotent-Replayed"
#define CORS_MAX_AGE		"600"

/*
 * Checks origin against list: comma-separated exact origins
 * ("https://a.example, http://localhost:3000") or "*". Comparison is
 * exact (scheme, host and port), case-insensitive; "null" never matches
 * unless listed.
 */
enum cors_verdict	cors_check(const char *list, const char *origin);
/* True for an OPTIONS request carrying Access-Control-Request-Method. */
bool			cors_is_preflight(const char *method,
			    const char *acr_method);

#endif
