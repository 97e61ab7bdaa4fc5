/*
 * handlers/openai_images.c - POST /v1/images/generations, OpenAI's images
 * API: {model, prompt, n, size, response_format, quality, style, user}
 * mapped onto a /unified/generate body (lib/gen/oai.c) and queued as any
 * generation is: the worker never waits, nginx holds the client at the
 * wait endpoint, which answers {created, data:[{url|b64_json,
 * revised_prompt}]}. Errors are OpenAI-shaped (app/serve.c sets it for
 * /v1/): 400 invalid_request_error (422s become 400s), 401, 403, 415,
 * 429; the job's own 5xx through the wait.
 * Not here: the mapping and the answer's shape (lib/gen/oai.c).
 */
#include <stdio.h>
#include <string.h>

#include "app/worker.h"
#include "handlers/generate.h"
#include "handlers/handlers.h"
#include "lib/gen/oai.h"

#define ORIGIN_MAX	512

/* The absolute origin of this request's /storage/ URLs (oai_origin). */
static void
origin_of(struct request *req, char *out, size_t len)
{
	oai_origin(req->w->cfg->public_base_url, req_env(req,
	    "REQUEST_SCHEME"), req_header(req, "Host"), req_env(req,
	    "SERVER_PORT"), out, len);
}

enum err
handle_openai_images(struct request *req, struct response *res)
{
	char origin[ORIGIN_MAX], why[RES_MESSAGE_MAX];
	json_t *body = NULL, *gen = NULL, *answer = NULL;
	enum err e;

	if ((e = req_prompt_body(req, res, &body)) != ERR_OK)
		goto out;
	origin_of(req, origin, sizeof(origin));
	if ((e = oai_request_parse(body, origin, &gen, &answer, why,
	    sizeof(why))) != ERR_OK) {
		req_fail(res, e, "%s", why);
		goto out;
	}
	e = generate_submit(req, res, gen, answer);
out:
	json_decref(answer);
	json_decref(gen);
	json_decref(body);
	return e;
}
