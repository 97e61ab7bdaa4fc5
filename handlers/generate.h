/*
 * handlers/generate.h - the one step the generation handlers share:
 * a generate body checked, queued as a job and its client handed to the
 * wait (handlers/generate.c).
 * Not here: the endpoints' own parsing (generate.c, openai_images.c).
 */
#ifndef HANDLERS_GENERATE_H
#define HANDLERS_GENERATE_H

#include <jansson.h>

#include "app/request.h"

/*
 * Checks and queues the /unified/generate body (borrowed) and answers as
 * POST /unified/generate does (the hand-off to the wait endpoint, or 202
 * with Prefer: respond-async). answer (borrowed), when not NULL, is kept
 * in the job's params as its OpenAI marker (lib/gen/oai.h), so the wait
 * answers in OpenAI's shape. Errors through req_fail().
 */
enum err	generate_submit(struct request *req, struct response *res,
		    const json_t *body, json_t *answer);

#endif
