/*
 * lib/json/json.h - typed getters over jansson for request bodies, and
 * rendering helpers. Getters fill why with "field: rule" on failure.
 * Not here: HTTP (app/), knowing which fields a handler wants.
 */
#ifndef JSON_JSON_H
#define JSON_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/core/err.h"

/*
 * Parses body (len bytes, need not be NUL-terminated) into a JSON object.
 * Returns ERR_BAD_JSON (with line/column in why) when it is not JSON or not
 * an object. Caller frees *out with json_decref().
 */
enum err	jx_parse_object(const char *body, size_t len, json_t **out,
		    char *why, size_t whylen);
/* ERR_INVALID_FIELD naming the first key of obj not in allowed (NULL-ended). */
enum err	jx_check_keys(const json_t *obj, const char *const *allowed,
		    char *why, size_t whylen);
/*
 * Getters: an absent (or null) optional key leaves *out untouched and
 * returns ERR_OK; an absent required key is ERR_MISSING_FIELD; a wrong
 * type or range is ERR_INVALID_FIELD. Strings are borrowed from obj;
 * one with an embedded NUL (\u0000 is parsed) is ERR_INVALID_FIELD.
 */
enum err	jx_string(const json_t *obj, const char *key, bool required,
		    const char **out, char *why, size_t whylen);
enum err	jx_int(const json_t *obj, const char *key, bool required,
		    long min, long max, long *out, char *why, size_t whylen);
enum err	jx_bool(const json_t *obj, const char *key, bool required,
		    bool *out, char *why, size_t whylen);
/* String that must be one of names (NULL-ended); *out is its index. */
enum err	jx_enum(const json_t *obj, const char *key, bool required,
		    const char *const *names, int *out, char *why,
		    size_t whylen);
/* Makes s valid UTF-8 in place: each byte of an invalid, overlong or
 * cut sequence becomes '?' (a message cut by snprintf can end inside a
 * character). Returns how many bytes it replaced. */
size_t		jx_utf8_fix(char *s);
/* A JSON string of s (any bytes up to its NUL), fixed as by jx_utf8_fix()
 * (jansson refuses invalid UTF-8: json_string() would be NULL). New
 * reference; NULL only when out of memory. */
json_t		*jx_text_new(const char *s);
/* Compact serialization; caller frees with free(). NULL on OOM. */
char		*jx_dump(const json_t *v);

#endif
