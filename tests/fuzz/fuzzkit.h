/*
 * tests/fuzz/fuzzkit.h - what several libFuzzer drivers do with their
 * input: make it a string, split it at its first newline, read a URL the
 * way libcurl does.
 * Not here: the properties each driver checks (tests/fuzz/fuzz_*.c).
 */
#ifndef TESTS_FUZZKIT_H
#define TESTS_FUZZKIT_H

#include <stdbool.h>
#include <stddef.h>

/* data[size] as a NUL-terminated string (caller frees), or NULL. */
char	*fuzzkit_str_dup(const unsigned char *data, size_t size);
/* Cuts s at its first newline: *first is what comes before it (NULL when
 * there is none), *rest what comes after (s itself when there is none). */
void	 fuzzkit_split(char *s, char **first, char **rest);
/*
 * The host of url as libcurl reads it (an IPv6 one without brackets) into
 * host[hostlen]; true for https, false for http. Aborts when curl does
 * not parse url, its scheme is another or it has user info: what a URL
 * check must never let through.
 */
bool	 fuzzkit_curl_host(const char *url, char *host, size_t hostlen);

#endif
