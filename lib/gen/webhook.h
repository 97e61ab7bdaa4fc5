/*
 * lib/gen/webhook.h - Standard Webhooks signing (www.standardwebhooks.com):
 * "v1," + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) and the
 * three webhook-* headers that carry it.
 * Not here: sending (lib/http), retries, verifying incoming webhooks.
 */
#ifndef GEN_WEBHOOK_H
#define GEN_WEBHOOK_H

#include <stddef.h>

#include "lib/core/err.h"

struct webhook_sig {
	char	id[64];		/* webhook-id, as given */
	char	timestamp[24];	/* webhook-timestamp, unix seconds */
	char	signature[128];	/* webhook-signature, "v1,<b64>" */
};

/*
 * Signs body[0..len) for message msg_id at unix time ts into *out.
 * secret is "whsec_<base64>" (the key is the decoded bytes) or any other
 * non-empty string (its raw bytes are the key). ERR_INVALID_FIELD when a
 * whsec_ secret is not valid base64, the secret is empty, or msg_id is
 * empty, over 63 bytes or holds a control character; ERR_NOMEM, or
 * ERR_INTERNAL if OpenSSL fails. *out is zeroed on failure.
 */
enum err	webhook_sign(const char *secret, const char *msg_id,
		    long long ts, const char *body, size_t len,
		    struct webhook_sig *out);
/*
 * The header lines "webhook-id: ...", "webhook-timestamp: ..." and
 * "webhook-signature: ..." of s into h[0..2], for lib/http requests.
 */
void		webhook_headers(const struct webhook_sig *s, char h[3][200]);

#endif
