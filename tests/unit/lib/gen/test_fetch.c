/*
 * tests/unit/lib/providers/test_fetch.c - image URLs only from http(s)
 * on the provider's own host or PROVIDER_ALLOWED_HOSTS.
 */
#include <criterion/criterion.h>

#include "lib/gen/fetch.h"

#define LIST "cdn.leonardo.ai, im.runware.ai"

Test(fetch, allowed_hosts)
{
	cr_assert(fetch_url_allowed("https://cdn.leonardo.ai/a/b.jpg",
	    "https://cloud.leonardo.ai/api/rest/v1", LIST));
	cr_assert(fetch_url_allowed("https://IM.RUNWARE.AI/x.png", NULL, LIST));
	cr_assert(fetch_url_allowed("http://127.0.0.1:8188/view?f=1",
	    "http://127.0.0.1:8188", ""), "the provider's own host");
}

Test(fetch, refused_urls)
{
	cr_assert_not(fetch_url_allowed("file:///etc/passwd", NULL, LIST));
	cr_assert_not(fetch_url_allowed("ftp://cdn.leonardo.ai/x", NULL, LIST));
	cr_assert_not(fetch_url_allowed("https://evil.example/x.png",
	    "https://cloud.leonardo.ai", LIST));
	cr_assert_not(fetch_url_allowed("https://cdn.leonardo.ai.evil.example/",
	    NULL, LIST));
	cr_assert_not(fetch_url_allowed("https://cdn.leonardo.ai@evil.example/",
	    NULL, LIST));
	cr_assert_not(fetch_url_allowed("https:///nohost", NULL, LIST));
	cr_assert_not(fetch_url_allowed("http://169.254.169.254/latest", NULL,
	    LIST));
}
