/*
 * lib/providers/runware.c - Runware (shared/providers/runware.md).
 * One POST of a task array with an imageInference task; the answer
 * carries the images (URLs). Sizes are rounded to multiples of 64 within
 * 128..2048, noted in meta.size_adjusted. Seeds start at 1 (limits.min_seed:
 * the plan skips Runware for seed 0); a negative prompt under 2 characters
 * is left out (noted in meta), one over 3000 refused. Health is the
 * documented HTTP authentication task (ping is a WebSocket task).
 * Not here: retry, fallback, circuit state (engine); storage; DB.
 */
#include <stdio.h>
#include <string.h>

#include "lib/core/util.h"
#include "lib/core/uuid.h"
#include "lib/providers/common.h"
#include "lib/providers/runware.h"

#define FLUX_DEV	"runware:101@1"
#define TEXT_MIN	2	/* characters, positive and negative prompt */
#define TEXT_MAX	3000

/* Error codes (errors[].code) that say more than the HTTP status. */
static const struct {
	const char	*code;
	enum err	 e;
} codes[] = {
	{ "invalidApiKey",	ERR_PROVIDER_AUTH },
};

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

/* Nearest multiple of 64 within 128..2048; 0 (provider default) 1024. */
static int
side64(int v)
{
	int r = v == 0 ? 1024 : (v + 32) / 64 * 64;

	return r < 128 ? 128 : r > 2048 ? 2048 : r;
}

/* UTF-8 characters of s (Runware counts characters, not bytes). */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* Adds negativePrompt to task t when Runware takes it: shorter than
 * TEXT_MIN is left out (meta says so), longer than TEXT_MAX refused. */
static enum err
negative_add(struct prov_job *job, json_t *t)
{
	const char *np = job->params->negative_prompt;
	size_t n = np ? utf8_chars(np) : 0;

	if (np == NULL)
		return ERR_OK;
	if (n > TEXT_MAX)
		return ERR_PROVIDER_INVALID;
	if (n < TEXT_MIN) {
		json_object_set_new(job->out->meta, "negative_prompt",
		    json_string("left out: Runware takes 2..3000 characters"));
		return ERR_OK;
	}
	return json_object_set_new(t, "negativePrompt", json_string(np)) ?
	    ERR_NOMEM : ERR_OK;
}

static enum prov_next
runware_begin(struct prov_job *job)
{
	const struct gen_params *p = job->params;
	int w = side64(p->width), h = side64(p->height);
	char auth[512];
	json_t *t;

	if (p->has_seed && p->seed < prov_runware.limits.min_seed)
		return prov_fail(job, ERR_PROVIDER_INVALID, "seed %lld: Runware "
		    "seeds start at %lld", (long long)p->seed,
		    (long long)prov_runware.limits.min_seed);
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
	if (negative_add(job, t) != ERR_OK) {
		json_decref(t);
		return prov_fail(job, ERR_PROVIDER_INVALID, "negative_prompt: "
		    "Runware takes at most %d characters", TEXT_MAX);
	}
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

/* The error the first errors[].code names, or ERR_OK. */
static enum err
code_err(json_t *j)
{
	const char *code = json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "errors"), 0), "code"));
	size_t i;

	for (i = 0; code != NULL && i < NELEM(codes); i++)
		if (strcmp(code, codes[i].code) == 0)
			return codes[i].e;
	return ERR_OK;
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
		return prov_fail(job, code_err(j) ? code_err(j) : first_error(j) ?
		    ERR_PROVIDER_INVALID : ERR_NO_IMAGE, "Runware returned no image for task %s%s%s",
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
		n = prov_fail_http_as(job, r, code_err(j), first_error(j));
		json_decref(j);
		return n;
	}
	if ((j = prov_reply_json(job, r)) == NULL)
		return PROV_NEXT_FAIL;
	n = runware_results(job, j);
	json_decref(j);
	return n;
}

/* The documented HTTP authentication task alone: free, and its failure
 * (401 invalidApiKey) is documented. */
static void
runware_health_begin(struct prov_job *job)
{
	prov_request_json(job, "POST", "", json_pack("[{s:s,s:s}]", "taskType",
	    "authentication", "apiKey", job->ctx->api_key ? job->ctx->api_key :
	    ""), NULL);
}

/* 2xx without errors; else the error code, else the status. */
static enum err
runware_health_check(const struct prov_reply *r)
{
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	enum err e = code_err(j);

	if (e == ERR_OK)
		e = prov_status_err(r->status);
	if (e == ERR_OK && json_object_get(j, "errors") != NULL)
		e = ERR_PROVIDER_INVALID;
	json_decref(j);
	return e;
}

const struct provider prov_runware = {
	.name = "runware_ai",
	.label = "Runware",
	.caps = PROV_NEGATIVE_PROMPT | PROV_SEED | PROV_MULTI_IMAGE |
	    PROV_CUSTOM_SIZE,
	.limits = { .max_prompt_chars = 3000, .min_side = 128,
	    .max_side = 2048, .size_multiple = 64, .max_images = 4,
	    .min_seed = 1 },
	.default_model = FLUX_DEV,
	.unconfigured = runware_unconfigured,
	.ctx_init = runware_ctx,
	.begin = runware_begin,
	.step = runware_step,
	.health_begin = runware_health_begin,
	.health_check = runware_health_check,
};
