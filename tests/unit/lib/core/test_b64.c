/*
 * tests/unit/lib/core/test_b64.c - base64 decode/encode and SHA-256.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/core/b64.h"
#include "lib/core/hash.h"

static void
round_trip(const char *plain)
{
	char *enc = b64_encode((const unsigned char *)plain, strlen(plain));
	unsigned char *dec;
	size_t n;

	cr_assert_eq(b64_decode(enc, strlen(enc), &dec, &n), ERR_OK, "%s", enc);
	cr_assert_eq(n, strlen(plain));
	cr_assert_eq(memcmp(dec, plain, n), 0);
	free(dec);
	free(enc);
}

Test(b64, round_trips_with_every_padding)
{
	round_trip("f");
	round_trip("fo");
	round_trip("foo");
	round_trip("foob");
	round_trip("hello, world\n");
}

Test(b64, known_values_whitespace_and_data_uri)
{
	unsigned char *d;
	size_t n;

	cr_assert_eq(b64_decode("Zm9v\nYmE=", 9, &d, &n), ERR_OK);
	cr_assert_eq(n, 5);
	cr_assert_eq(memcmp(d, "fooba", 5), 0);
	free(d);
	cr_assert_eq(b64_decode("data:image/png;base64,Zm8=", 26, &d, &n),
	    ERR_OK);
	cr_assert_eq(n, 2);
	free(d);
}

Test(b64, malformed_is_refused)
{
	static const char *const bad[] = { "", "Zm9", "Zm9v!", "Z===",
	    "Zm=v", "====" };
	unsigned char *d;
	size_t n, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(b64_decode(bad[i], strlen(bad[i]), &d, &n),
		    ERR_BAD_RESPONSE, "%s", bad[i]);
}

Test(hash, sha256_known_value)
{
	char h[65];

	hash_sha256_hex("abc", 3, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
}
