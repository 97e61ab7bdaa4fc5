/*
 * tests/unit/lib/gen/test_webhook.c - Standard Webhooks signatures: the
 * libraries' official vector, raw and malformed secrets, the headers.
 * With WEBHOOK_VECTOR_OUT=<file> set, also writes the vector signed now as
 * {"secret","headers","body"} for tests/node/verify.mjs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "lib/gen/webhook.h"

#define SECRET	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define MSG_ID	"msg_p5jXN8AQM9LWM0D4loKWxJek"
#define BODY	"{\"test\": 2432232314}"
#define BODY_JSON "{\\\"test\\\": 2432232314}"	/* BODY as a JSON string */

Test(webhook, official_vector)
{
	struct webhook_sig s;

	cr_assert_eq(webhook_sign(SECRET, MSG_ID, 1614265330LL, BODY,
	    strlen(BODY), &s), ERR_OK);
	cr_assert_str_eq(s.id, MSG_ID);
	cr_assert_str_eq(s.timestamp, "1614265330");
	cr_assert_str_eq(s.signature,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

Test(webhook, body_id_and_time_change_the_signature)
{
	struct webhook_sig a, b;

	cr_assert_eq(webhook_sign(SECRET, MSG_ID, 1614265330LL, BODY,
	    strlen(BODY) - 1, &a), ERR_OK);
	cr_assert_str_neq(a.signature,
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	cr_assert_eq(webhook_sign(SECRET, MSG_ID, 1614265331LL, BODY,
	    strlen(BODY), &b), ERR_OK);
	cr_assert_str_neq(a.signature, b.signature);
	cr_assert_eq(webhook_sign(SECRET, "msg_other", 1614265330LL, "", 0,
	    &b), ERR_OK);
	cr_assert_eq(strncmp(b.signature, "v1,", 3), 0);
}

/* A secret without whsec_ is its own key: same as whsec_ + its base64. */
Test(webhook, raw_secret_is_its_bytes)
{
	struct webhook_sig raw, enc;

	cr_assert_eq(webhook_sign("hunter2-but-longer", MSG_ID, 1614265330LL,
	    BODY, strlen(BODY), &raw), ERR_OK);
	cr_assert_eq(webhook_sign("whsec_aHVudGVyMi1idXQtbG9uZ2Vy", MSG_ID,
	    1614265330LL, BODY, strlen(BODY), &enc), ERR_OK);
	cr_assert_str_eq(raw.signature, enc.signature);
	cr_assert_eq(strlen(raw.signature), 3 + 44);
}

Test(webhook, bad_secret_and_id_are_refused)
{
	static const char *const bad[] = { "whsec_", "whsec_MfKQ9r8!",
	    "whsec_MfK", "whsec_====", "" };
	struct webhook_sig s;
	char longid[80];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(webhook_sign(bad[i], MSG_ID, 1, BODY,
		    strlen(BODY), &s), ERR_INVALID_FIELD, "%s", bad[i]);
		cr_assert_eq(s.signature[0], '\0');
	}
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	cr_assert_eq(webhook_sign(SECRET, longid, 1, "", 0, &s),
	    ERR_INVALID_FIELD);
	cr_assert_eq(webhook_sign(SECRET, "", 1, "", 0, &s),
	    ERR_INVALID_FIELD);
	cr_assert_eq(webhook_sign(SECRET, "msg\r\nx-evil: 1", 1, "", 0, &s),
	    ERR_INVALID_FIELD);
}

static void
vector_dump(const char *path, const struct webhook_sig *s)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fprintf(f, "{\"secret\": \"%s\", \"headers\": {\"webhook-id\": "
	    "\"%s\", \"webhook-timestamp\": \"%s\", \"webhook-signature\": "
	    "\"%s\"}, \"body\": \"%s\"}\n", SECRET, s->id, s->timestamp,
	    s->signature, BODY_JSON);
	cr_assert_eq(fclose(f), 0);
}

Test(webhook, headers_are_three_lines)
{
	struct webhook_sig s;
	char h[3][200];
	const char *path = getenv("WEBHOOK_VECTOR_OUT");

	cr_assert_eq(webhook_sign(SECRET, MSG_ID, 1614265330LL, BODY,
	    strlen(BODY), &s), ERR_OK);
	webhook_headers(&s, h);
	cr_assert_str_eq(h[0], "webhook-id: " MSG_ID);
	cr_assert_str_eq(h[1], "webhook-timestamp: 1614265330");
	cr_assert_str_eq(h[2], "webhook-signature: "
	    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	if (path == NULL)
		return;
	cr_assert_eq(webhook_sign(SECRET, MSG_ID, (long long)time(NULL),
	    BODY, strlen(BODY), &s), ERR_OK);
	vector_dump(path, &s);
}
