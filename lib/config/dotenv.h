/*
 * lib/config/dotenv.h - parse a .env file into key/value pairs.
 * Syntax: KEY=VALUE lines, '#' comments, optional "export ", values
 * bare, 'single-quoted' (literal) or "double-quoted" (\n \t \\ \" escapes).
 * In a bare value a comment starts only at a '#' after a space or tab
 * (docker compose, python-dotenv): KEY=abc#def is "abc#def", KEY=abc #x
 * is "abc", KEY=#x is "#x".
 * Not here: knowing which keys exist or what they mean (config.c).
 */
#ifndef CONFIG_DOTENV_H
#define CONFIG_DOTENV_H

#include <stddef.h>

#include "lib/core/err.h"

struct dotenv_pair {
	char	*key;
	char	*value;
	int	 line;
};

struct dotenv {
	struct dotenv_pair	*pairs;
	size_t			 n;
};

/*
 * Parses text into env (caller's struct, freed with dotenv_fini()).
 * On a malformed line returns ERR_INVALID_FIELD with "line N: why" in why.
 */
enum err	dotenv_parse(const char *text, struct dotenv *env,
		    char *why, size_t whylen);
/* Reads and parses a file; a missing file gives an empty env and ERR_OK. */
enum err	dotenv_load(const char *path, struct dotenv *env,
		    char *why, size_t whylen);
/* Borrowed value of the last assignment of key, or NULL. */
const char	*dotenv_get(const struct dotenv *env, const char *key);
void		 dotenv_fini(struct dotenv *env);

#endif
