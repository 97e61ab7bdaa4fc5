/*
 * lib/providers/runware.c - Runware (shared/providers/runware.md).
 * One POST of a task array with an imageInference task; the answer
 * carries the images (URLs). Sizes are rounded to multiples of 64 within
 * 128..2048, noted in meta.size_adjusted.
 * Not here: retry, fallback, circuit state (engine); storage; DB.
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/uuid.h"
#include "lib/providers/common.h"
#include "lib/providers/runware.h"

#define FLUX_DEV	"runware:101@1"

static const char *
runware_unconfigured(const struct config *cfg)
{
	return cfg->runware_api_key[0] ? NULL : "RUNWARE_API_KEY is not set";
}

static void
runware_ctx(const struct config *cfg, struct prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->base_url = cfg->runware_base_url;
	ctx->api_key = cfg->runware_api_key;
	ctx->default_model = FLUX_DEV;
	ctx->models = cfg->runware_models;
	ctx->poll_interval_ms = cfg->poll_interval_ms;
	ctx->poll_timeout_ms = cfg->poll_timeout_s * 1000;
	ctx->timeout_ms = cfg->provider_timeout_ms;
}

/* Nearest multiple of 64 within 128..2048. */
static int
side64(int v)
{
	int r = (v + 32) / 64 * 64;

	return r < 128 ? 128 : r > 2048 ? 2048 : r;
}

static enum prov_next
runware_begin(struct prov_job *job)
{
	const struct gen_params *p = job->params;
	int w = side64(p->width), h = side64(p->height);
	char auth[512];
	json_t *t;

	uuid_make(job->remote_id);
	if (w != p->width || h != p->height)
		json_object_set_new(job->out->meta, "size_adjusted", json_pack(
		    "{s:[i,i],s:[i,i],s:s}", "requested", p->width, p->height,
		    "sent", w, h, "rule", "multiples of 64 within 128..2048"));
	t = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:i,s:s,s:s}", "taskType",
	    "imageInference", "taskUUID", job->remote_id, "positivePrompt",
	    p->prompt, "model", p->model ? p->model : job->ctx->default_model,
	    "width", w, "height", h, "numberResults", p->num_images,
	    "outputType", "URL", "outputFormat", "PNG");
	if (p->negative_prompt)
		json_object_set_new(t, "negativePrompt",
		    json_string(p->negative_prompt));
	if (p->has_seed)
		json_object_set_new(t, "seed", json_integer(p->seed));
	prov_settings_put(t, &job->ctx->settings, "steps", "CFGScale");
	return prov_request_json(job, "POST", "", json_pack("[o]", t),
	    prov_bearer(job, auth, sizeof(auth)));
}

static const char *
first_error(json_t *j)
{
	return json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "errors"), 0), "message"));
}

static enum prov_next
runware_results(struct prov_job *job, json_t *j)
{
	json_t *d;
	const char *uuid;
	size_t i;

	json_array_foreach(json_object_get(j, "data"), i, d) {
		uuid = json_string_value(json_object_get(d, "taskUUID"));
		if (uuid == NULL || strcmp(uuid, job->remote_id) != 0)
			continue;
		if (prov_image_url(job, json_string_value(json_object_get(d,
		    "imageURL")), json_string_value(json_object_get(d,
		    "imageUUID"))))
			return prov_fail(job, ERR_BAD_RESPONSE, "Runware result "
			    "%zu has no imageURL", i);
	}
	if (job->out->nimages == 0)
		return prov_fail(job, first_error(j) ? ERR_PROVIDER_INVALID :
		    ERR_NO_IMAGE, "Runware returned no image for task %s%s%s",
		    job->remote_id, first_error(j) ? ": " : "",
		    first_error(j) ? first_error(j) : "");
	job->out->provider_job_id = strdup(job->remote_id);
	job->out->model = strdup(job->params->model ? job->params->model :
	    job->ctx->default_model);
	return PROV_NEXT_DONE;
}

static enum prov_next
runware_step(struct prov_job *job, const struct prov_reply *r)
{
	enum prov_next n;
	json_t *j;

	if (r->status < 200 || r->status > 299) {
		j = json_loadb(r->body, r->len, 0, NULL);
		n = prov_fail_http(job, r, first_error(j));
		json_decref(j);
		return n;
	}
	if ((j = prov_reply_json(job, r)) == NULL)
		return PROV_NEXT_FAIL;
	n = runware_results(job, j);
	json_decref(j);
	return n;
}

/* The ping task is WebSocket-only; a one-result modelSearch of the
 * default model is a free authenticated HTTP task. */
static void
runware_health_begin(struct prov_job *job)
{
	char auth[512], uuid[UUID_STRLEN + 1];

	uuid_make(uuid);
	prov_request_json(job, "POST", "", json_pack("[{s:s,s:s,s:s,s:i}]",
	    "taskType", "modelSearch", "taskUUID", uuid, "search",
	    job->ctx->default_model, "limit", 1), prov_bearer(job, auth,
	    sizeof(auth)));
}

const struct provider prov_runware = {
	.name = "runware_ai",
	.label = "Runware",
	.caps = PROV_NEGATIVE_PROMPT | PROV_SEED | PROV_MULTI_IMAGE |
	    PROV_CUSTOM_SIZE,
	.limits = { .max_prompt_chars = 3000, .min_side = 128,
	    .max_side = 2048, .size_multiple = 64, .max_images = 4 },
	.default_model = FLUX_DEV,
	.unconfigured = runware_unconfigured,
	.ctx_init = runware_ctx,
	.begin = runware_begin,
	.step = runware_step,
	.health_begin = runware_health_begin,
	.health_check = prov_health_by_status,
};
