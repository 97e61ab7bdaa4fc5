/*
 * app/cors.c - origin matching for CORS.
 * Not here: response headers (serve.c), configuration parsing.
 */
#include <string.h>
#include <strings.h>

#include "app/cors.h"

static bool
list_item_is(const char *item, size_t n, const char *origin)
{
	while (n > 0 && (*item == ' ' || *item == '\t'))
		item++, n--;
	while (n > 0 && (item[n - 1] == ' ' || item[n - 1] == '\t' ||
	    item[n - 1] == '/'))
		n--;
	if (n == 1 && item[0] == '*')
		return true;
	return n == strlen(origin) && strncasecmp(item, origin, n) == 0;
}

enum cors_verdict
cors_check(const char *list, const char *origin)
{
	const char *p, *comma;

	if (origin == NULL)
		return CORS_NONE;
	if (list == NULL || origin[0] == '\0')
		return CORS_DENIED;
	for (p = list; *p != '\0'; p = *comma ? comma + 1 : comma) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		if (list_item_is(p, (size_t)(comma - p), origin))
			return CORS_ALLOWED;
	}
	return CORS_DENIED;
}

bool
cors_is_preflight(const char *method, const char *acr_method)
{
	return method != NULL && strcmp(method, "OPTIONS") == 0 &&
	    acr_method != NULL && acr_method[0] != '\0';
}
