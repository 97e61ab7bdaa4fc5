/*
 * handlers/job_cancel.c - DELETE /unified/jobs/{id}: cancels a queued or
 * running job (its runner stops it at once; a client waiting on it gets
 * 409 cancelled); a finished job (completed, failed, cancelled) loses
 * its images instead: their rows are deleted and the job marked
 * (images_deleted_at) in one statement, then their files are removed,
 * beneath the storage root only. The job row stays (history, stats).
 * Statuses: 200 (the job, now cancelled, or with "deleted": {"images",
 * "bytes", "files_removed", "files_missing", "files_refused"}; 0 images
 * when there were none left); 404 not_found; 503 database_unavailable.
 * Not here: SQL (lib/db/queue.c, lib/db/images.c), stopping the
 * generation (the runner), path checks (lib/storage/contain.c).
 */
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/uuid.h"
#include "lib/db/images.h"
#include "lib/db/jobs.h"
#include "lib/db/queue.h"
#include "lib/json/jobview.h"
#include "lib/log/log.h"
#include "lib/storage/prune.h"

/* What removing rows' files did: the answer's "deleted". */
static json_t *
files_remove(struct request *req, const char *id, const json_t *rows)
{
	struct store_root root;
	json_int_t bytes = 0;
	json_t *d = NULL, *row;
	char why[256];
	size_t i;

	json_array_foreach(rows, i, row)
		bytes += json_integer_value(json_object_get(row, "bytes"));
	if (json_array_size(rows) == 0 || store_root_open(&root,
	    req->w->cfg->storage_dir, why, sizeof(why)) != ERR_OK)
		d = json_pack("{s:I,s:I,s:I,s:I}", "files_removed",
		    (json_int_t)0, "files_missing", (json_int_t)
		    json_array_size(rows), "files_refused", (json_int_t)0,
		    "bytes_removed", (json_int_t)0);
	else {
		d = store_prune_files(&root, rows, false);
		store_root_close(&root);
	}
	if (json_integer_value(json_object_get(d, "files_refused")))
		log_warn(&req->w->log, "job %s: image paths refused (outside "
		    "the storage root or links), left alone", id);
	json_object_del(d, "refused");
	json_object_del(d, "bytes_removed");
	json_object_set_new(d, "images", json_integer((json_int_t)
	    json_array_size(rows)));
	json_object_set_new(d, "bytes", json_integer(bytes));
	return d;
}

/* The images of finished job id: rows, then files (whatever happens to
 * the read-back after: the rows are gone, so must the files be); the job
 * with what was removed. */
static enum err
images_delete(struct request *req, struct response *res, const char *id)
{
	json_t *rows = NULL, *rec = NULL, *view, *deleted;
	enum err e;

	if ((e = db_images_delete_job(&req->w->db, id, &rows)) != ERR_OK)
		return e;
	deleted = files_remove(req, id, rows);
	if ((e = db_jobs_get(&req->w->db, id, &rec)) == ERR_OK) {
		view = jobview_render(rec, req->w->cfg->public_base_url);
		json_object_set(view, "deleted", deleted);
		e = res_json_take(res, 200, view);
	}
	json_decref(deleted);
	json_decref(rows);
	json_decref(rec);
	return e;
}

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
		return images_delete(req, res, id);
	if (e != ERR_OK)
		return e;
	if ((e = db_jobs_get(&req->w->db, id, &rec)) != ERR_OK)
		return e;
	e = res_json_take(res, 200, jobview_render(rec,
	    req->w->cfg->public_base_url));
	json_decref(rec);
	return e;
}
