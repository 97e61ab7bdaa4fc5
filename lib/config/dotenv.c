/*
 * lib/config/dotenv.c - .env tokenizer: one KEY=VALUE per line.
 * Not here: validation of keys or values (config.c), getenv().
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config/dotenv.h"

#define DOTENV_MAX_BYTES	(1024 * 1024)

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static int
key_char(int c, int first)
{
	return c == '_' || isalpha(c) || (!first && isdigit(c));
}

/* Parses the value starting at p up to end; returns malloc'd text or NULL. */
static char *
parse_value(const char *p, const char *end, const char **why)
{
	char *out, *o;
	char q;

	if ((out = o = malloc((size_t)(end - p) + 1)) == NULL)
		return *why = "out of memory", NULL;
	if (p < end && (*p == '"' || *p == '\'')) {
		q = *p++;
		while (p < end && *p != q) {
			if (q == '"' && *p == '\\' && p + 1 < end) {
				p++;
				*o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
				p++;
			} else
				*o++ = *p++;
		}
		if (p >= end) {
			free(out);
			return *why = "unterminated quote", NULL;
		}
		p = skip_blank(p + 1, end);
		if (p < end && *p != '#') {
			free(out);
			return *why = "text after closing quote", NULL;
		}
	} else {
		/* A comment starts at a '#' after a blank (p[-1] is '=' or
		 * a blank at the start): KEY=abc#def keeps "abc#def". */
		while (p < end && !(*p == '#' && (p[-1] == ' ' ||
		    p[-1] == '\t')))
			*o++ = *p++;
		while (o > out && (o[-1] == ' ' || o[-1] == '\t'))
			o--;
	}
	*o = '\0';
	return out;
}

static enum err
add_pair(struct dotenv *env, const char *k, size_t klen, char *v, int line)
{
	struct dotenv_pair *np;

	np = realloc(env->pairs, (env->n + 1) * sizeof(*np));
	if (np == NULL || (np[env->n].key = strndup(k, klen)) == NULL) {
		if (np != NULL)
			env->pairs = np;
		free(v);
		return ERR_NOMEM;
	}
	env->pairs = np;
	np[env->n].value = v;
	np[env->n].line = line;
	env->n++;
	return ERR_OK;
}

static enum err
parse_line(struct dotenv *env, const char *p, const char *end, int line,
    char *why, size_t whylen)
{
	const char *k, *kend, *reason = NULL;
	char *v;

	p = skip_blank(p, end);
	if (p == end || *p == '#')
		return ERR_OK;
	if (end - p > 7 && strncmp(p, "export ", 7) == 0)
		p = skip_blank(p + 7, end);
	for (k = p; p < end && key_char((unsigned char)*p, p == k); p++)
		continue;
	kend = p;
	if (kend == k)
		reason = "expected a KEY=VALUE assignment";
	else if ((p = skip_blank(p, end)) == end || *p != '=')
		reason = "expected '=' after the key";
	else if ((v = parse_value(skip_blank(p + 1, end), end, &reason)))
		return add_pair(env, k, (size_t)(kend - k), v, line);
	snprintf(why, whylen, "line %d: %s", line, reason);
	return ERR_INVALID_FIELD;
}

enum err
dotenv_parse(const char *text, struct dotenv *env, char *why, size_t whylen)
{
	const char *p = text, *nl;
	int line = 0;
	enum err e = ERR_OK;

	env->pairs = NULL;
	env->n = 0;
	while (e == ERR_OK && *p != '\0') {
		line++;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		e = parse_line(env, p, nl > p && nl[-1] == '\r' ? nl - 1 : nl,
		    line, why, whylen);
		p = *nl == '\n' ? nl + 1 : nl;
	}
	if (e != ERR_OK)
		dotenv_fini(env);
	return e;
}

enum err
dotenv_load(const char *path, struct dotenv *env, char *why, size_t whylen)
{
	FILE *f;
	char *buf = NULL;
	size_t n;
	enum err e = ERR_INVALID_FIELD;

	env->pairs = NULL;
	env->n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return ERR_OK;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return ERR_INVALID_FIELD;
	}
	if ((buf = malloc(DOTENV_MAX_BYTES + 1)) == NULL) {
		e = ERR_NOMEM;
		goto out;
	}
	n = fread(buf, 1, DOTENV_MAX_BYTES + 1, f);
	if (n > DOTENV_MAX_BYTES || ferror(f)) {
		snprintf(why, whylen, "%s: unreadable or over 1 MiB", path);
		goto out;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n) != NULL) {
		snprintf(why, whylen, "%s: contains a NUL byte", path);
		goto out;
	}
	e = dotenv_parse(buf, env, why, whylen);
out:
	free(buf);
	fclose(f);
	return e;
}

const char *
dotenv_get(const struct dotenv *env, const char *key)
{
	size_t i;

	for (i = env->n; i > 0; i--)
		if (strcmp(env->pairs[i - 1].key, key) == 0)
			return env->pairs[i - 1].value;
	return NULL;
}

void
dotenv_fini(struct dotenv *env)
{
	size_t i;

	for (i = 0; i < env->n; i++) {
		free(env->pairs[i].key);
		free(env->pairs[i].value);
	}
	free(env->pairs);
	env->pairs = NULL;
	env->n = 0;
}
