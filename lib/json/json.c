/*
 * lib/json/json.c - request-body getters and rendering over jansson.
 * Not here: field semantics (handlers), HTTP statuses (lib/core/err).
 */
#include <stdio.h>
#include <string.h>

#include "lib/json/json.h"

enum err
jx_parse_object(const char *body, size_t len, json_t **out, char *why,
    size_t whylen)
{
	json_error_t je;
	json_t *root;

	*out = NULL;
	if (len == 0) {
		snprintf(why, whylen, "request body is empty; a JSON object "
		    "is required");
		return ERR_BAD_JSON;
	}
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
	    &je);
	if (root == NULL) {
		snprintf(why, whylen, "invalid JSON at line %d column %d: %s",
		    je.line, je.column, je.text);
		return ERR_BAD_JSON;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(why, whylen, "request body must be a JSON object");
		return ERR_BAD_JSON;
	}
	*out = root;
	return ERR_OK;
}

enum err
jx_check_keys(const json_t *obj, const char *const *allowed, char *why,
    size_t whylen)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(why, whylen, "%s: unknown field", key);
			return ERR_INVALID_FIELD;
		}
	}
	return ERR_OK;
}

/* Looks key up; returns ERR_OK with *v NULL for an absent optional key. */
static enum err
jx_lookup(const json_t *obj, const char *key, bool required, json_t **v,
    char *why, size_t whylen)
{
	*v = json_object_get(obj, key);
	if (*v != NULL && json_is_null(*v))
		*v = NULL;
	if (*v == NULL && required) {
		snprintf(why, whylen, "%s: is required", key);
		return ERR_MISSING_FIELD;
	}
	return ERR_OK;
}

static enum err
jx_type_error(const char *key, const char *type, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: must be %s", key, type);
	return ERR_INVALID_FIELD;
}

enum err
jx_string(const json_t *obj, const char *key, bool required,
    const char **out, char *why, size_t whylen)
{
	json_t *v;
	enum err e;

	if ((e = jx_lookup(obj, key, required, &v, why, whylen)) || !v)
		return e;
	if (!json_is_string(v))
		return jx_type_error(key, "a string", why, whylen);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return jx_type_error(key, "a string without NUL characters",
		    why, whylen);
	*out = json_string_value(v);
	return ERR_OK;
}

enum err
jx_int(const json_t *obj, const char *key, bool required, long min,
    long max, long *out, char *why, size_t whylen)
{
	json_int_t n;
	json_t *v;
	enum err e;

	if ((e = jx_lookup(obj, key, required, &v, why, whylen)) || !v)
		return e;
	if (!json_is_integer(v)) {
		snprintf(why, whylen, "%s: must be an integer from %ld to %ld",
		    key, min, max);
		return ERR_INVALID_FIELD;
	}
	n = json_integer_value(v);
	if (n < min || n > max) {
		snprintf(why, whylen, "%s: %lld is out of range %ld..%ld",
		    key, (long long)n, min, max);
		return ERR_INVALID_FIELD;
	}
	*out = (long)n;
	return ERR_OK;
}

enum err
jx_bool(const json_t *obj, const char *key, bool required, bool *out,
    char *why, size_t whylen)
{
	json_t *v;
	enum err e;

	if ((e = jx_lookup(obj, key, required, &v, why, whylen)) || !v)
		return e;
	if (!json_is_boolean(v))
		return jx_type_error(key, "true or false", why, whylen);
	*out = json_is_true(v);
	return ERR_OK;
}

enum err
jx_enum(const json_t *obj, const char *key, bool required,
    const char *const *names, int *out, char *why, size_t whylen)
{
	const char *s = NULL;
	size_t i, o = 0;
	enum err e;

	if ((e = jx_string(obj, key, required, &s, why, whylen)) || !s)
		return e;
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return *out = (int)i, ERR_OK;
	o = (size_t)snprintf(why, whylen, "%s: must be one of", key);
	for (i = 0; names[i] != NULL && o < whylen; i++)
		o += (size_t)snprintf(why + o, whylen - o, "%s \"%s\"",
		    i ? "," : "", names[i]);
	return ERR_INVALID_FIELD;
}

char *
jx_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10));
}
