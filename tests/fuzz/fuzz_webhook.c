/*
 * tests/fuzz/fuzz_webhook.c - libFuzzer driver: arbitrary webhook URLs
 * through deliver_url_check() (lib/gen/deliver.c over lib/http/url.c).
 * Input: "URL", or "ALLOW\nURL" (WEBHOOK_ALLOW_PRIVATE, a comma list). A
 * URL it accepts must agree with libcurl's own reading of it: http(s),
 * no user info, and a host that is neither localhost nor a loopback or
 * private IP literal unless the list names it.
 * Not here: the address actually dialled (checked when connecting,
 * lib/http/http.c), signing (lib/gen/webhook.c).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lib/gen/deliver.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* host is in the comma list allow (spaces around items ignored). */
static bool
listed(const char *allow, const char *host)
{
	size_t n = strlen(host), k;
	const char *p = allow;

	while (p != NULL && *p != '\0') {
		p += strspn(p, " ,");
		k = strcspn(p, " ,");
		if (k == n && strncasecmp(p, host, n) == 0)
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/* localhost, *.localhost, or a loopback / private IP literal. */
static bool
internal(const char *host)
{
	unsigned char a[16];
	size_t n = strlen(host);

	if (strcasecmp(host, "localhost") == 0 || (n > 10 &&
	    strcasecmp(host + n - 10, ".localhost") == 0))
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127 || a[0] == 10 || a[0] == 0 ||
		    (a[0] == 192 && a[1] == 168) ||
		    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0 ||
		    (a[0] & 0xfe) == 0xfc;
	return false;
}

/* Aborts when curl reads the accepted url otherwise. */
static void
check_accepted(const char *url, const char *allow)
{
	char *host = NULL, *scheme = NULL, *user = NULL, h[300];
	CURLU *u = curl_url();

	if (u == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		abort();
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http"))
		abort();
	/* An IPv6 host comes in brackets: the list names it without. */
	snprintf(h, sizeof(h), "%.*s", (int)strlen(host) - 2 *
	    (host[0] == '['), host + (host[0] == '['));
	if (internal(h) && !listed(allow, h))
		abort();
	curl_free(host);
	curl_free(scheme);
	curl_free(user);
	curl_url_cleanup(u);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s, *nl, *url, *allow = "";
	char why[512];

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	url = s;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		allow = s;
		url = nl + 1;
	}
	if (deliver_url_check(url, allow, why, sizeof(why)) == ERR_OK)
		check_accepted(url, allow);
	free(s);
	return 0;
}
