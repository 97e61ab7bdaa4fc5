/*
 * handlers/batch_get.c - GET /unified/batches/{id}: a batch as its items
 * stand now (each item its answer once its job ended, else its job id and
 * state). Statuses: 200; 404 not_found; 503 database_unavailable.
 * Not here: rendering (lib/gen/answer.c), SQL (lib/db/queue.c).
 */
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/queue.h"
#include "lib/gen/answer.h"

enum err
handle_batch_get(struct request *req, struct response *res)
{
	const char *id = req->params[0];
	json_t *b = NULL;
	enum err e;

	if (!uuid_check(id))
		return req_fail(res, ERR_NOT_FOUND, "no batch %s", id);
	e = db_batch_get(&req->w->db, id, &b);
	if (e == ERR_NOT_FOUND)
		return req_fail(res, e, "no batch %s", id);
	if (e != ERR_OK)
		return e;
	e = res_json_take(res, 200, gen_answer_batch(&req->w->db, b,
	    req->w->cfg->public_base_url, NULL));
	json_decref(b);
	return e;
}
