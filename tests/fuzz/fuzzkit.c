/*
 * tests/fuzz/fuzzkit.c - what several libFuzzer drivers do with their
 * input: make it a string, split it at its first newline, read a URL the
 * way libcurl does.
 * Not here: the properties each driver checks (tests/fuzz/fuzz_*.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "tests/fuzz/fuzzkit.h"

char *
fuzzkit_str_dup(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

void
fuzzkit_split(char *s, char **first, char **rest)
{
	char *nl = strchr(s, '\n');

	*first = NULL;
	*rest = s;
	if (nl != NULL) {
		*nl = '\0';
		*first = s;
		*rest = nl + 1;
	}
}

bool
fuzzkit_curl_host(const char *url, char *host, size_t hostlen)
{
	char *h = NULL, *scheme = NULL, *user = NULL;
	CURLU *u = curl_url();
	bool https, v6;

	if (u == NULL)
		abort();
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		abort();
	https = strcasecmp(scheme, "https") == 0;
	if (!https && strcasecmp(scheme, "http") != 0)
		abort();
	v6 = h[0] == '[';
	snprintf(host, hostlen, "%.*s", (int)(strlen(h) - 2 * v6), h + v6);
	curl_free(h);
	curl_free(scheme);
	curl_free(user);
	curl_url_cleanup(u);
	return https;
}
