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

#include "lib/gen/deliver.h"
#include "tests/fuzz/fuzzkit.h"

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

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s, *url, *allow, why[512], host[8192];

	if ((s = fuzzkit_str_dup(data, size)) == NULL)
		return 0;
	fuzzkit_split(s, &allow, &url);
	if (allow == NULL)
		allow = "";
	if (deliver_url_check(url, allow, why, sizeof(why)) == ERR_OK) {
		(void)fuzzkit_curl_host(url, host, sizeof(host));
		if (internal(host) && !listed(allow, host))
			abort();
	}
	free(s);
	return 0;
}
