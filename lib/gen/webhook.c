/*
 * lib/gen/webhook.c - Standard Webhooks signatures over OpenSSL's EVP_MAC
 * HMAC-SHA256, fed id, timestamp and body in pieces (the body is not
 * copied).
 * Not here: sending, verifying, the secret's storage (config).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lib/core/b64.h"
#include "lib/gen/webhook.h"

#define WEBHOOK_PREFIX	"whsec_"

/* The key bytes of secret into *key (caller frees), *keylen bytes. */
static enum err
webhook_key_dup(const char *secret, unsigned char **key, size_t *keylen)
{
	size_t plen = sizeof(WEBHOOK_PREFIX) - 1, n = strlen(secret);

	*key = NULL;
	*keylen = 0;
	if (strncmp(secret, WEBHOOK_PREFIX, plen) == 0) {
		switch (b64_decode(secret + plen, n - plen, key, keylen)) {
		case ERR_OK:
			return *keylen > 0 ? ERR_OK : ERR_INVALID_FIELD;
		case ERR_NOMEM:
			return ERR_NOMEM;
		default:
			return ERR_INVALID_FIELD;
		}
	}
	if (n == 0)
		return ERR_INVALID_FIELD;
	if ((*key = malloc(n)) == NULL)
		return ERR_NOMEM;
	memcpy(*key, secret, n);
	*keylen = n;
	return ERR_OK;
}

/* Non-empty, fits struct webhook_sig, no bytes that could split a header. */
static int
webhook_id_check(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n >= sizeof(((struct webhook_sig *)0)->id))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return 0;
	return 1;
}

/* HMAC-SHA256 of a.b.body under key into mac[32]; 0 on OpenSSL failure. */
static int
webhook_hmac(const unsigned char *key, size_t keylen, const char *a,
    const char *b, const char *body, size_t len, unsigned char mac[32])
{
	OSSL_PARAM params[2];
	EVP_MAC *m;
	EVP_MAC_CTX *ctx = NULL;
	size_t n = 0;
	int ok = 0;

	if ((m = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
		return 0;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(m)) == NULL ||
	    !EVP_MAC_init(ctx, key, keylen, params) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)a, strlen(a)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)b, strlen(b)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
	    (len > 0 &&
	    !EVP_MAC_update(ctx, (const unsigned char *)body, len)) ||
	    !EVP_MAC_final(ctx, mac, &n, 32))
		goto out;
	ok = n == 32;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return ok;
}

enum err
webhook_sign(const char *secret, const char *msg_id, long long ts,
    const char *body, size_t len, struct webhook_sig *out)
{
	unsigned char *key = NULL, mac[32];
	char *b64 = NULL;
	size_t keylen;
	enum err e;

	memset(out, 0, sizeof(*out));
	if (!webhook_id_check(msg_id))
		return ERR_INVALID_FIELD;
	if ((e = webhook_key_dup(secret, &key, &keylen)) != ERR_OK)
		goto out;
	snprintf(out->id, sizeof(out->id), "%s", msg_id);
	snprintf(out->timestamp, sizeof(out->timestamp), "%lld", ts);
	e = ERR_INTERNAL;
	if (!webhook_hmac(key, keylen, out->id, out->timestamp, body, len,
	    mac))
		goto out;
	e = ERR_NOMEM;
	if ((b64 = b64_encode(mac, sizeof(mac))) == NULL)
		goto out;
	snprintf(out->signature, sizeof(out->signature), "v1,%s", b64);
	e = ERR_OK;
out:
	if (key != NULL)
		OPENSSL_cleanse(key, keylen);
	free(key);
	free(b64);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (e != ERR_OK)
		memset(out, 0, sizeof(*out));
	return e;
}

void
webhook_headers(const struct webhook_sig *s, char h[3][200])
{
	snprintf(h[0], 200, "webhook-id: %s", s->id);
	snprintf(h[1], 200, "webhook-timestamp: %s", s->timestamp);
	snprintf(h[2], 200, "webhook-signature: %s", s->signature);
}
