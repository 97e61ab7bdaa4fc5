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

#include <curl/curl.h>

#include "lib/gen/fetch.h"
#include "lib/http/url.h"

#define LIST	"cdn.leonardo.ai,im.runware.ai,localhost"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* curl's host, scheme and user of url; aborts on what must not pass. */
static void
check_passed(const char *url, const char *base, enum fetch_verdict v)
{
	char *host = NULL, *scheme = NULL, *user = NULL;
	struct http_url b;
	const char *h;
	size_t n;
	bool same;
	CURLU *u = curl_url();

	if (u == NULL)
		return;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		abort();		/* passed, yet curl reads it otherwise */
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http"))
		abort();
	h = host + (host[0] == '[');
	n = strlen(h) - (host[0] == '[');
	same = base != NULL && http_url_parse(base, &b) == ERR_OK &&
	    strlen(b.host) == n && strncasecmp(b.host, h, n) == 0;
	if (!same && (v != FETCH_PUBLIC || strcasecmp(scheme, "https") != 0 ||
	    !(strcasecmp(host, "cdn.leonardo.ai") == 0 ||
	    strcasecmp(host, "im.runware.ai") == 0 ||
	    strcasecmp(host, "localhost") == 0)))
		abort();		/* not base's: https on a listed host */
	curl_free(host);
	curl_free(scheme);
	curl_free(user);
	curl_url_cleanup(u);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s, *nl, *url, *base = NULL;
	enum fetch_verdict v;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	url = s;
	if ((nl = strchr(s, '\n')) != NULL) {
		*nl = '\0';
		base = s;
		url = nl + 1;
	}
	v = fetch_url_check(url, base, LIST);
	if (v != FETCH_REFUSED)
		check_passed(url, base, v);
	free(s);
	return 0;
}
