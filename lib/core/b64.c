/*
 * lib/core/b64.c - base64 over OpenSSL's EVP_DecodeBlock/EncodeBlock.
 * Not here: anything about images.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "lib/core/b64.h"

static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* Copies the base64 characters of in, checking the alphabet and padding. */
static char *
b64_clean(const char *in, size_t inlen, size_t *n)
{
	char *s = malloc(inlen + 1);
	size_t i, pad = 0;

	if (s == NULL)
		return NULL;
	*n = 0;
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=' ? 0 : (pad > 0 || !b64_char(c)))
			goto bad;
		pad += c == '=';
		s[(*n)++] = (char)c;
	}
	if (*n == 0 || *n % 4 != 0 || pad > 2)
		goto bad;
	s[*n] = '\0';
	return s;
bad:
	free(s);
	return NULL;
}

enum err
b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	const char *comma;
	char *s;
	size_t n, pad;
	int got;

	*out = NULL;
	*outlen = 0;
	if (inlen > 5 && strncmp(in, "data:", 5) == 0 &&
	    (comma = memchr(in, ',', inlen)) != NULL) {
		inlen -= (size_t)(comma + 1 - in);
		in = comma + 1;
	}
	if ((s = b64_clean(in, inlen, &n)) == NULL)
		return ERR_BAD_RESPONSE;
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	if ((*out = malloc(n / 4 * 3 + 1)) == NULL) {
		free(s);
		return ERR_NOMEM;
	}
	got = EVP_DecodeBlock(*out, (unsigned char *)s, (int)n);
	free(s);
	if (got < 0 || (size_t)got < pad) {
		free(*out);
		*out = NULL;
		return ERR_BAD_RESPONSE;
	}
	*outlen = (size_t)got - pad;	/* EVP_DecodeBlock counts the padding */
	return ERR_OK;
}

char *
b64_encode(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}
