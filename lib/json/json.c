/*
 * lib/json/json.c - request-body getters and rendering over jansson.
 * Not here: field semantics (handlers), HTTP statuses (lib/core/err).
 */
#include <stdio.h>
#include <stdlib.h>
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

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0. */
static size_t
utf8_seq(const unsigned char *p)
{
	size_t n, i;
	unsigned long c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 ||
	    c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

size_t
jx_utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t n, bad = 0;

	while (*p != '\0') {
		if ((n = utf8_seq(p)) == 0) {
			*p++ = '?';
			bad++;
		} else
			p += n;
	}
	return bad;
}

json_t *
jx_text_new(const char *s)
{
	char *copy;
	json_t *j;

	if ((j = json_string(s)) != NULL || (copy = strdup(s)) == NULL)
		return j;
	jx_utf8_fix(copy);
	j = json_string(copy);
	free(copy);
	return j;
}

char *
jx_dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(10));
}
