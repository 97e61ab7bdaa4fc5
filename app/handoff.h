/*
 * app/handoff.h - the answer of a request whose work was queued: the
 * client is handed to nginx and the runner's wait endpoint
 * (X-Accel-Redirect: /__wait/{kind}/{id}), or, with Prefer:
 * respond-async (RFC 7240), answered 202 + Location at once; Prefer:
 * wait=N bounds the wait.
 * Not here: queuing (lib/db/queue.c), the waiting (app/waiter.c).
 */
#ifndef APP_HANDOFF_H
#define APP_HANDOFF_H

#include <stdbool.h>

#include <jansson.h>

#include "app/request.h"

/* Where a kind of queued work is read back: "job" -> "/unified/jobs",
 * "batch" -> "/unified/batches", "prompt" -> "/unified/validate-prompt". */
const char	*handoff_collection(const char *kind);
/* True for Prefer: respond-async; *wait_s is its wait=N, else -1. */
bool		 handoff_prefer(const char *header, long *wait_s);
/*
 * Answers req for queued work kind/id: 202 with view (borrowed) and
 * Location, or the hand-off to the wait endpoint, which waits at most
 * max_wait_s (or the client's wait=N, if shorter).
 */
enum err	 handoff_reply(struct request *req, struct response *res,
		    const char *kind, const char *id, long max_wait_s,
		    json_t *view);

#endif
