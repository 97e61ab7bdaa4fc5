/*
 * handlers/job_get.c - GET /unified/jobs/{id}: one job with its attempts
 * and images. Statuses: 200; 404 not_found; 503 database_unavailable.
 * Not here: SQL (lib/db/jobs.c).
 */
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/json/jobview.h"

enum err
handle_job_get(struct request *req, struct response *res)
{
	const char *id = req->params[0];
	json_t *rec = NULL;
	enum err e;

	if (!uuid_check(id))
		return req_fail(res, ERR_NOT_FOUND, "no job %s", id);
	e = db_jobs_get(&req->w->db, id, &rec);
	if (e == ERR_NOT_FOUND)
		return req_fail(res, e, "no job %s", id);
	if (e != ERR_OK)
		return e;
	e = res_json_take(res, 200, jobview_render(rec,
	    req->w->cfg->public_base_url));
	json_decref(rec);
	return e;
}
