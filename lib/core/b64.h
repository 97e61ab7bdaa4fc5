/*
 * lib/core/b64.h - base64 (standard alphabet, padded) through OpenSSL.
 * Not here: data URIs' media types (callers check them).
 */
#ifndef CORE_B64_H
#define CORE_B64_H

#include <stddef.h>

#include "lib/core/err.h"

/*
 * Decodes in[0..inlen) (whitespace ignored; a "data:...;base64," prefix
 * skipped) into *out (malloc'd, caller frees), *outlen bytes.
 * ERR_BAD_RESPONSE for anything that is not base64.
 */
enum err	b64_decode(const char *in, size_t inlen, unsigned char **out,
		    size_t *outlen);
/* NUL-terminated encoding of in (caller frees), NULL on OOM. */
char		*b64_encode(const unsigned char *in, size_t len);

#endif
