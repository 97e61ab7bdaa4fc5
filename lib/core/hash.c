/*
 * lib/core/hash.c - SHA-256 through OpenSSL's one-shot EVP_Digest.
 * Not here: keyed hashes.
 */
#include <stdio.h>

#include <openssl/evp.h>

#include "lib/core/hash.h"

void
hash_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}
