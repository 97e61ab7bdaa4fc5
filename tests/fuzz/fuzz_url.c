/*
 * tests/fuzz/fuzz_url.c - libFuzzer driver: arbitrary image URLs through
 * the download check (lib/gen/fetch.c over lib/http/url.c). Input: "URL",
 * or "BASE\nURL" (the provider's configured base URL). Whatever the
 * verdict, one that lets the URL through must agree with libcurl's own
 * reading of it: no user info, http(s), and a host that is base's or on
 * the list (https only then).
 * Not here: connecting (the open-socket check: tests/unit/lib/http).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/gen/fetch.h"
#include "lib/http/url.h"
#include "tests/fuzz/fuzzkit.h"

#define LIST	"cdn.leonardo.ai,im.runware.ai,localhost"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Aborts on what must not pass: what curl reads otherwise, or a host
 * that is not base's and not https on a listed host. */
static void
check_passed(const char *url, const char *base, enum fetch_verdict v)
{
	char host[8192];
	struct http_url b;
	bool https = fuzzkit_curl_host(url, host, sizeof(host)), same;

	same = base != NULL && http_url_parse(base, &b) == ERR_OK &&
	    strcasecmp(b.host, host) == 0;
	if (!same && (v != FETCH_PUBLIC || !https ||
	    !(strcasecmp(host, "cdn.leonardo.ai") == 0 ||
	    strcasecmp(host, "im.runware.ai") == 0 ||
	    strcasecmp(host, "localhost") == 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s, *url, *base;
	enum fetch_verdict v;

	if ((s = fuzzkit_str_dup(data, size)) == NULL)
		return 0;
	fuzzkit_split(s, &base, &url);
	v = fetch_url_check(url, base, LIST);
	if (v != FETCH_REFUSED)
		check_passed(url, base, v);
	free(s);
	return 0;
}
