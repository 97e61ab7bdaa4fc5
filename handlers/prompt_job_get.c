/*
 * handlers/prompt_job_get.c - GET /unified/validate-prompt/{id}: a
 * validate-prompt that was queued for Ollama (Prefer: respond-async):
 * {"id","status","result"}, result the validate-prompt answer once
 * completed (null before). Statuses: 200; 404 not_found; 503.
 * Not here: SQL (lib/db/queue.c), the optimization (the runner).
 */
#include <string.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/queue.h"

enum err
handle_prompt_job_get(struct request *req, struct response *res)
{
	const char *id = req->params[0];
	json_t *pj = NULL;
	bool done;
	enum err e;

	if (!uuid_check(id))
		return req_fail(res, ERR_NOT_FOUND, "no prompt job %s", id);
	e = db_prompt_get(&req->w->db, id, &pj);
	if (e == ERR_NOT_FOUND)
		return req_fail(res, e, "no prompt job %s", id);
	if (e != ERR_OK)
		return e;
	done = json_string_value(json_object_get(pj, "status")) != NULL &&
	    strcmp(json_string_value(json_object_get(pj, "status")),
	    "completed") == 0;
	e = res_json_take(res, 200, json_pack("{s:O,s:O,s:O}", "id",
	    json_object_get(pj, "id"), "status", json_object_get(pj, "status"),
	    "result", done ? json_object_get(pj, "answer") : json_null()));
	json_decref(pj);
	return e;
}
