/*
 * tests/unit/lib/gen/test_fetch.c - image URLs only from https on
 * PROVIDER_ALLOWED_HOSTS, or from the provider's own configured endpoint;
 * the SSRF cases (bypass URLs) in one table.
 * Not here: the connect-time refusal (tests/unit/lib/http/test_http.c).
 */
#include <stdio.h>

#include <criterion/criterion.h>

#include "lib/core/util.h"
#include "lib/gen/fetch.h"

#define LIST	"cdn.leonardo.ai, im.runware.ai, localhost"
#define REAL	"https://cloud.leonardo.ai/api/rest/v1"
#define LOCAL	"http://127.0.0.1:8188"

#define R	FETCH_REFUSED
#define P	FETCH_PUBLIC	/* fetched; internal addresses refused */
#define L	FETCH_LOCAL	/* the provider's own local endpoint */

/* Each SSRF case: an image URL a provider might return, the provider's
 * configured base URL, and the verdict. */
static const struct {
	const char		*url;
	const char		*base;
	enum fetch_verdict	 want;
} ssrf_cases[] = {
	{ "https://cdn.leonardo.ai:443@169.254.169.254/latest/meta-data/", REAL, R },
	{ "https://cdn.leonardo.ai@169.254.169.254/",			REAL,  R },
	{ "https://user:pw@cdn.leonardo.ai/x.jpg",			REAL,  R },
	{ "https://@cdn.leonardo.ai/x.jpg",				REAL,  R },
	{ "https://cdn.leonardo.ai\\@127.0.0.1/",			REAL,  R },
	{ "https://cdn.leonardo.ai#@127.0.0.1/",			REAL,  P },
	{ "https://cdn.leonardo.ai:8080/x.jpg",				REAL,  P },
	{ "https://cdn.leonardo.ai:99999/x.jpg",			REAL,  R },
	{ "HTTPS://CDN.LEONARDO.AI/x.jpg",				REAL,  P },
	{ "http://cdn.leonardo.ai/x.jpg",				REAL,  R },
	{ "http://im.runware.ai/x.png",					NULL,  R },
	{ "https://cdn%2eleonardo.ai/x.jpg",				REAL,  P },
	{ "https://cdn%2eleonardo.ai%40127.0.0.1/x.jpg",		REAL,  R },
	{ "https://cdn.leonardo.ai./x.jpg",				REAL,  R },
	{ "https://cdn.leonardo.ai.evil.example/",			REAL,  R },
	{ "https://evil.example/?h=cdn.leonardo.ai",			REAL,  R },
	{ "http://2130706433/",						REAL,  R },
	{ "http://0177.0.0.1/",						REAL,  R },
	{ "http://0x7f.1/",						REAL,  R },
	{ "http://[::1]/",						REAL,  R },
	{ "https://[::ffff:127.0.0.1]/",				REAL,  R },
	{ "https://[fe80::1%25eth0]/",					REAL,  R },
	{ "http://169.254.169.254/latest/meta-data/",			REAL,  R },
	{ "file:///etc/passwd",						REAL,  R },
	{ "ftp://cdn.leonardo.ai/x.jpg",				REAL,  R },
	{ "gopher://cdn.leonardo.ai/",					REAL,  R },
	{ "https:///nohost",						REAL,  R },
	{ "cdn.leonardo.ai/x.jpg",					REAL,  R },
	{ " https://cdn.leonardo.ai/x.jpg",				REAL,  R },
	{ "https://cdn.leonardo.ai%00.evil/",				REAL,  R },
	{ "http://127.0.0.1:8188/view?filename=a.png",			LOCAL, L },
	{ "http://127.0.0.1:5432/",					LOCAL, R },
	{ "http://127.0.0.1@127.0.0.1:8188/view",			LOCAL, R },
	{ "https://127.0.0.1:8188/view",				LOCAL, R },
	{ "http://localhost:8188/view",					LOCAL, R },
	{ "https://localhost/x.png",					LOCAL, P },
	{ "http://cloud.leonardo.ai/api/rest/v1/x",			REAL,  R },
	{ "https://cloud.leonardo.ai/api/rest/v1/x",			REAL,  P },
	{ "https://cdn.leonardo.ai:443/x.jpg",				REAL,  P },
	{ "https://10.0.0.5/x.png",			"https://10.0.0.5/v1",	L },
	{ "https://10.0.0.6/x.png",			"https://10.0.0.5/v1",	R },
	{ "https://[::1]:8188/x.png",			"http://[::1]:8188",	R },
	{ "http://[::1]:8188/x.png",			"http://[::1]:8188",	L },
	{ "http://LOCALHOST:11434/x.png",		"http://localhost:11434", L },
	{ "https://cdn.leonardo.ai/x.jpg",		"not a url",		P },
	{ "javascript:alert(1)",			REAL,			R },
	{ NULL,						REAL,			R },
};

Test(fetch, ssrf_cases)
{
	size_t i;

	for (i = 0; i < NELEM(ssrf_cases); i++)
		cr_expect_eq(fetch_url_check(ssrf_cases[i].url,
		    ssrf_cases[i].base, LIST), ssrf_cases[i].want,
		    "case %zu: %s (base %s)", i, ssrf_cases[i].url ?
		    ssrf_cases[i].url : "NULL",
		    ssrf_cases[i].base ? ssrf_cases[i].base : "none");
	printf("SSRF cases: %zu\n", NELEM(ssrf_cases));	/* check-deep */
}
