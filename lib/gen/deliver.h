/*
 * lib/gen/deliver.h - webhook deliveries of finished jobs: each job with a
 * webhook_url is POSTed there once it ends ({"type","timestamp","data":
 * the job as GET /unified/jobs/{id} shows it}), signed per Standard
 * Webhooks with WEBHOOK_SECRET, over the runner's curl multi handle;
 * retried with back-off (WEBHOOK_RETRY_MS doubling, WEBHOOK_TRIES in
 * all) until a 2xx; every try is recorded in the job ("webhook").
 * Internal addresses are refused unless in WEBHOOK_ALLOW_PRIVATE.
 * Not here: signing (webhook.c), running transfers (lib/http).
 */
#ifndef GEN_DELIVER_H
#define GEN_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/db/db.h"
#include "lib/http/http.h"
#include "lib/log/log.h"

struct deliver;

/* Deliveries over m, recorded through db (all borrowed); NULL on OOM. */
struct deliver	*deliver_new(const struct config *cfg, struct http_multi *m,
		    struct db *db, struct log *log);
/* Drops what is not delivered yet (logged) and frees d (NULL ok). */
void		 deliver_free(struct deliver *d);
/* Queues the final job record r (borrowed) when it has a webhook_url. */
void		 deliver_add(struct deliver *d, const json_t *r);
/* Starts the deliveries that are due and records the ones that ended;
 * returns how long until the next is due (at most max_ms). */
long		 deliver_step(struct deliver *d, long max_ms);
/* Deliveries not done yet. */
size_t		 deliver_pending(const struct deliver *d);
/*
 * Is url acceptable as a webhook_url? http(s), at most 2048 bytes, a
 * host that is not a literal internal address nor localhost (unless in
 * allow, a comma list). ERR_INVALID_FIELD with why.
 */
enum err	 deliver_url_check(const char *url, const char *allow,
		    char *why, size_t whylen);

#endif
