/*
 * lib/core/hash.h - SHA-256 as lowercase hex (OpenSSL EVP).
 * Not here: anything else cryptographic.
 */
#ifndef CORE_HASH_H
#define CORE_HASH_H

#include <stddef.h>

/* Writes the 64 hex digits and a NUL into out. */
void	hash_sha256_hex(const void *data, size_t len, char out[65]);

#endif
