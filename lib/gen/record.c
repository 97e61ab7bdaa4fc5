/*
 * lib/gen/record.c - creating a job record and naming its states.
 * Not here: attempts, images and outcome (engine.c); saving (lib/db).
 */
#include <string.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/gen/record.h"

/* enum job_status -> the "status" text of the record and of the API. */
static const char *const status_names[] = {
	[JOB_QUEUED]	= "queued",
	[JOB_RUNNING]	= "running",
	[JOB_COMPLETED]	= "completed",
	[JOB_FAILED]	= "failed",
	[JOB_CANCELLED]	= "cancelled",
	[JOB_PENDING]	= "pending",
};
_Static_assert(NELEM(status_names) == JOB_STATUS__MAX, "one name a status");

const char *
record_status_name(enum job_status st)
{
	return (unsigned)st < JOB_STATUS__MAX ? status_names[st] : NULL;
}

enum job_status
record_status(const json_t *r)
{
	const char *v = json_string_value(json_object_get(r, "status"));
	int i;

	for (i = 0; v != NULL && i < JOB_STATUS__MAX; i++)
		if (strcmp(status_names[i], v) == 0)
			return (enum job_status)i;
	return JOB_STATUS__MAX;
}

void
record_status_set(json_t *r, enum job_status st)
{
	json_object_set_new(r, "status", json_string(record_status_name(st)));
}

json_t *
record_new(const struct genreq *g, const struct record_prompt *p,
    enum job_status st)
{
	char id[UUID_STRLEN + 1], now[32];

	uuid_make(id);
	time_iso8601(now, sizeof(now));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s?,s:o,s:o,s:[],s:f,s:s,"
	    "s:[],s:[],s:n}", "id", id, "project_id", g->project_id, "status",
	    record_status_name(st), "requested_provider", g->provider,
	    "prompt_original", p->original, "prompt_final", p->final,
	    "prompt_meta", p->meta ? json_incref(p->meta) : json_object(),
	    "params", genreq_render(g), "attempts", "optimize_ms",
	    p->optimize_ms, "created_at", now, "images", "warnings", "resume");
}

enum err
record_genreq(const json_t *r, struct genreq *g)
{
	const json_t *q = json_object_get(r, "params");
	struct gen_params *p = &g->params;
	const json_t *seed = json_object_get(q, "seed");

	memset(g, 0, sizeof(*g));
	p->prompt = json_string_value(json_object_get(r, "prompt_original"));
	g->provider = json_string_value(json_object_get(q, "provider"));
	g->project_id = json_string_value(json_object_get(r, "project_id"));
	if (!json_is_object(q) || p->prompt == NULL || g->provider == NULL ||
	    g->project_id == NULL)
		return ERR_INVALID_FIELD;
	g->fallback = !json_is_false(json_object_get(q, "fallback"));
	g->size_given = json_is_true(json_object_get(q, "size_given"));
	p->width = (int)json_integer_value(json_object_get(q, "width"));
	p->height = (int)json_integer_value(json_object_get(q, "height"));
	p->aspect_ratio = json_string_value(json_object_get(q, "aspect_ratio"));
	p->num_images = (int)json_integer_value(json_object_get(q,
	    "num_images"));
	p->has_seed = json_is_integer(seed);
	p->seed = json_integer_value(seed);
	p->model = json_string_value(json_object_get(q, "model"));
	p->style = json_string_value(json_object_get(q, "style"));
	p->negative_prompt = json_string_value(json_object_get(q,
	    "negative_prompt"));
	if (p->num_images < 1)
		p->num_images = 1;
	return ERR_OK;
}
