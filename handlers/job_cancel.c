/*
 * handlers/job_cancel.c - DELETE /unified/jobs/{id}: cancels a queued or
 * running job (its runner stops it at once; a client waiting on it gets
 * 409 cancelled). Statuses: 200 (the job, now cancelled); 404 not_found;
 * 409 cancelled (the job had already ended: nothing changed);
 * 503 database_unavailable.
 * Not here: SQL (lib/db/queue.c), stopping the generation (the runner).
 */
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/queue.h"
#include "lib/json/jobview.h"

enum err
handle_job_cancel(struct request *req, struct response *res)
{
	const char *id = req->params[0];
	json_t *rec = NULL;
	enum err e;

	if (!uuid_check(id))
		return req_fail(res, ERR_NOT_FOUND, "no job %s", id);
	e = db_queue_cancel(&req->w->db, id);
	if (e == ERR_NOT_FOUND)
		return req_fail(res, e, "no job %s", id);
	if (e == ERR_CANCELLED)
		return req_fail(res, e, "job %s has already ended; only a "
		    "queued or running job can be cancelled", id);
	if (e != ERR_OK)
		return e;
	if ((e = db_jobs_get(&req->w->db, id, &rec)) != ERR_OK)
		return e;
	e = res_json_take(res, 200, jobview_render(rec,
	    req->w->cfg->public_base_url));
	json_decref(rec);
	return e;
}
