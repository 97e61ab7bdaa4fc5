/*
 * lib/gen/answer.c - a final job (or batch item) as the client sees it.
 * Not here: waiting for it (app/waiter.c), storing it (lib/db).
 */
#include <string.h>

#include "lib/core/err.h"
#include "lib/db/jobs.h"
#include "lib/gen/answer.h"
#include "lib/gen/oai.h"
#include "lib/json/jobview.h"

/* {"code","message","generation_id","attempts"} of a failed record. */
static json_t *
error_of(const json_t *r, enum err *e, long *retry_after_s)
{
	const json_t *er = json_object_get(r, "error");
	const char *msg = json_string_value(json_object_get(er, "message"));
	json_t *ra = json_object_get(er, "retry_after");

	*e = err_from_code(json_string_value(json_object_get(er, "code")));
	*retry_after_s = json_is_integer(ra) ? (long)json_integer_value(ra) :
	    -1;
	return json_pack("{s:s,s:s,s:O,s:O}", "code", err_code(*e), "message",
	    msg ? msg : err_row_get(*e)->message, "generation_id",
	    json_object_get(r, "id"), "attempts", json_object_get(r,
	    "attempts"));
}

bool
gen_answer_job(const json_t *r, const char *public_base,
    const char *storage_dir, const char *reqid, struct gen_answer *a)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	json_t *er;
	enum err e;

	memset(a, 0, sizeof(*a));
	a->retry_after_s = -1;
	if (!db_jobs_status_final(st))
		return false;
	if (oai_job(r)) {
		oai_answer_job(r, storage_dir, reqid, a);
		return true;
	}
	if (strcmp(st, "completed") == 0) {
		a->status = 200;
		a->body = jobview_render(r, public_base);
		return true;
	}
	er = error_of(r, &e, &a->retry_after_s);
	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(er, "request_id", json_string(reqid));
	a->status = err_status(e);
	a->body = json_pack("{s:o}", "error", er);
	return true;
}

void
gen_answer_pending(const char *id, const char *reqid, struct gen_answer *a)
{
	json_t *er = json_pack("{s:s,s:s,s:s}", "code", err_code(ERR_TIMEOUT),
	    "message", "the job is still running; it completes on its own: "
	    "GET the Location for its result", "generation_id", id);

	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(er, "request_id", json_string(reqid));
	a->status = err_status(ERR_TIMEOUT);
	a->body = json_pack("{s:o}", "error", er);
	a->retry_after_s = -1;
}

json_t *
gen_answer_item(size_t i, const json_t *r, const char *public_base)
{
	json_t *o, *er;
	long ra;
	enum err e;

	if (strcmp(json_string_value(json_object_get(r, "status")),
	    "completed") == 0)
		return json_pack("{s:I,s:i,s:o}", "index", (json_int_t)i,
		    "status", 200, "result", jobview_render(r, public_base));
	er = error_of(r, &e, &ra);
	o = json_pack("{s:I,s:i,s:o}", "index", (json_int_t)i, "status",
	    err_status(e), "error", er);
	if (ra > 0)
		json_object_set_new(o, "retry_after", json_integer(ra));
	return o;
}

bool
gen_answer_prompt(const json_t *pj, const char *reqid, struct gen_answer *a)
{
	const char *st = json_string_value(json_object_get(pj, "status"));
	json_t *er;

	memset(a, 0, sizeof(*a));
	a->retry_after_s = -1;
	if (st != NULL && strcmp(st, "completed") == 0) {
		a->status = 200;
		a->body = json_incref(json_object_get(pj, "answer"));
		return true;
	}
	if (st == NULL || strcmp(st, "failed") != 0)
		return false;
	er = json_pack("{s:s,s:s,s:O}", "code", err_code(ERR_TIMEOUT),
	    "message", "no runner shortened the prompt in time", "id",
	    json_object_get(pj, "id"));
	if (reqid != NULL && reqid[0] != '\0')
		json_object_set_new(er, "request_id", json_string(reqid));
	a->status = err_status(ERR_TIMEOUT);
	a->body = json_pack("{s:o}", "error", er);
	return true;
}

void
gen_answer_fini(struct gen_answer *a)
{
	json_decref(a->body);
	a->body = NULL;
}

json_t *
gen_answer_batch(struct db *db, const json_t *b, const char *public_base,
    bool *all_final)
{
	json_t *items = json_array(), *it, *rec;
	size_t i, ok = 0, failed = 0;

	json_array_foreach(json_object_get(b, "items"), i, it) {
		const char *jid = json_string_value(json_object_get(it,
		    "job_id"));

		rec = NULL;
		if (jid == NULL || db_jobs_get(db, jid, &rec) != ERR_OK) {
			json_array_append(items, it);	/* a request error */
			failed++;
		} else if (!db_jobs_status_final(json_string_value(
		    json_object_get(rec, "status")))) {
			json_array_append_new(items, json_pack("{s:I,s:s,s:O}",
			    "index", (json_int_t)i, "job_id", jid, "state",
			    json_object_get(rec, "status")));
		} else {
			json_array_append_new(items, gen_answer_item(i, rec,
			    public_base));
			if (strcmp(json_string_value(json_object_get(rec,
			    "status")), "completed") == 0)
				ok++;
			else
				failed++;
		}
		json_decref(rec);
	}
	if (all_final != NULL)
		*all_final = ok + failed == json_array_size(items);
	return json_pack("{s:O,s:I,s:I,s:I,s:f,s:o}", "batch_id",
	    json_object_get(b, "id"), "count", (json_int_t)json_array_size(
	    items), "succeeded", (json_int_t)ok, "failed", (json_int_t)failed,
	    "batch_time", json_number_value(json_object_get(b, "age_ms")) /
	    1000.0, "items", items);
}
