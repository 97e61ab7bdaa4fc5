/*
 * lib/providers/leonardo.c - Leonardo AI (shared/providers/leonardo.md).
 * POST /generations, then GET /generations/{id} every poll interval until
 * COMPLETE (image URLs) or FAILED, bounded by the poll timeout.
 * Not here: retry, fallback, circuit state (engine); storage; DB.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/core/util.h"
#include "lib/providers/common.h"
#include "lib/providers/leonardo.h"

#define KINO_XL	"aa77f04e-3eec-4034-9c07-d0f619684628"

enum { STEP_CREATE = 0, STEP_POLL };

/* Our style names -> Leonardo presetStyle, and whether it needs "alchemy":
 * true (without alchemy Leonardo takes only LEONARDO and NONE). */
static const struct {
	const char	*style;
	const char	*preset;
	bool		 alchemy;
} styles[] = {
	{ "none",		"NONE",		false },
	{ "leonardo",		"LEONARDO",	false },
	{ "anime",		"ANIME",	true },
	{ "creative",		"CREATIVE",	true },
	{ "dynamic",		"DYNAMIC",	true },
	{ "environment",	"ENVIRONMENT",	true },
	{ "general",		"GENERAL",	true },
	{ "illustration",	"ILLUSTRATION",	true },
	{ "photography",	"PHOTOGRAPHY",	true },
	{ "photo",		"PHOTOGRAPHY",	true },
	{ "raytraced",		"RAYTRACED",	true },
	{ "render_3d",		"RENDER_3D",	true },
	{ "sketch_bw",		"SKETCH_BW",	true },
	{ "sketch_color",	"SKETCH_COLOR",	true },
};

/* More images than this per call only up to LARGE_SIDE pixels a side. */
#define LARGE_SIDE		768
#define LARGE_MAX_IMAGES	4

/* Bodies of non-2xx answers -> error, before the status table: a key
 * that is not a UUID comes back as a 500 from the authorization hook. */
static const struct {
	const char	*error;
	enum err	 e;
} error_bodies[] = {
	{ "Invalid response from authorization hook",	ERR_PROVIDER_AUTH },
};

static const char *
leonardo_unconfigured(const struct config *cfg)
{
	return cfg->leonardo_api_key[0] ? NULL : "LEONARDO_API_KEY is not set";
}

static void
leonardo_ctx(const struct config *cfg, struct prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->base_url = cfg->leonardo_base_url;
	ctx->api_key = cfg->leonardo_api_key;
	ctx->default_model = KINO_XL;
	ctx->models = cfg->leonardo_models;
	ctx->poll_interval_ms = cfg->poll_interval_ms;
	ctx->poll_timeout_ms = cfg->poll_timeout_s * 1000;
	ctx->timeout_ms = cfg->provider_timeout_ms;
}

/* The preset provider_configs.settings.styles maps style to (map:
 * "ours=THEIRS,..."), when it is one of Leonardo's; else NULL. */
static const char *
preset_mapped(const char *map, const char *style, bool *alchemy)
{
	const char *p, *eq, *end;
	size_t i, n = strlen(style);

	for (p = map; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL ||
		    (size_t)(eq - p) != n || strncasecmp(p, style, n) != 0)
			continue;
		for (i = 0; i < NELEM(styles); i++)
			if (strlen(styles[i].preset) == (size_t)(end - eq - 1) &&
			    strncmp(styles[i].preset, eq + 1, (size_t)(end -
			    eq - 1)) == 0) {
				*alchemy = styles[i].alchemy;
				return styles[i].preset;
			}
	}
	return NULL;
}

const char *
prov_leonardo_preset(const char *style, bool *alchemy)
{
	size_t i;

	for (i = 0; i < NELEM(styles); i++)
		if (strcasecmp(styles[i].style, style) == 0) {
			*alchemy = styles[i].alchemy;
			return styles[i].preset;
		}
	return NULL;
}

const char *
prov_leonardo_style_name(size_t i)
{
	return i < NELEM(styles) ? styles[i].style : NULL;
}

static enum prov_next
leonardo_begin(struct prov_job *job)
{
	const struct gen_params *p = job->params;
	const char *preset = NULL;
	bool alchemy = false;
	char auth[512];
	json_t *b;

	if (p->style && (preset = preset_mapped(job->ctx->settings.styles,
	    p->style, &alchemy)) == NULL && (preset = prov_leonardo_preset(
	    p->style, &alchemy)) == NULL)
		return prov_fail(job, ERR_PROVIDER_INVALID, "style \"%s\" is "
		    "not a Leonardo preset", p->style);
	if (p->num_images > LARGE_MAX_IMAGES && (p->width > LARGE_SIDE ||
	    p->height > LARGE_SIDE))
		return prov_fail(job, ERR_PROVIDER_INVALID, "Leonardo makes at "
		    "most %d images per call above %d pixels a side, %d asked",
		    LARGE_MAX_IMAGES, LARGE_SIDE, p->num_images);
	b = json_pack("{s:s,s:s,s:i,s:i,s:i}", "prompt", p->prompt, "modelId",
	    p->model ? p->model : job->ctx->default_model, "width",
	    p->width / 8 * 8, "height", p->height / 8 * 8, "num_images",
	    p->num_images);
	if (p->negative_prompt)
		json_object_set_new(b, "negative_prompt",
		    json_string(p->negative_prompt));
	if (p->has_seed)
		json_object_set_new(b, "seed", json_integer(p->seed));
	if (preset)
		json_object_set_new(b, "presetStyle", json_string(preset));
	prov_settings_put(b, &job->ctx->settings, "num_inference_steps",
	    "guidance_scale");
	if (alchemy)
		json_object_set_new(b, "alchemy", json_true());
	job->step = STEP_CREATE;
	return prov_request_json(job, "POST", "/generations", b,
	    prov_bearer(job, auth, sizeof(auth)));
}

static enum prov_next
poll_next(struct prov_job *job)
{
	char path[200], auth[512];
	enum prov_next n;

	snprintf(path, sizeof(path), "/generations/%s", job->remote_id);
	n = prov_request_json(job, "GET", path, NULL, prov_bearer(job, auth,
	    sizeof(auth)));
	job->req.delay_ms = job->ctx->poll_interval_ms;
	job->step = STEP_POLL;
	return n;
}

/* A job an earlier runner created: poll it (the remote id is set). */
static enum prov_next
leonardo_resume(struct prov_job *job)
{
	job->out->provider_job_id = strdup(job->remote_id);
	return poll_next(job);
}

static enum prov_next
created(struct prov_job *job, json_t *j)
{
	const char *id = json_string_value(json_object_get(json_object_get(j,
	    "sdGenerationJob"), "generationId"));

	if (id == NULL || strlen(id) >= sizeof(job->remote_id))
		return prov_fail(job, ERR_BAD_RESPONSE, "Leonardo answered "
		    "without sdGenerationJob.generationId");
	snprintf(job->remote_id, sizeof(job->remote_id), "%s", id);
	job->out->provider_job_id = strdup(id);
	return poll_next(job);
}

static enum prov_next
completed(struct prov_job *job, json_t *g)
{
	json_t *img;
	size_t i;
	int nsfw = 0;

	json_array_foreach(json_object_get(g, "generated_images"), i, img) {
		nsfw |= json_is_true(json_object_get(img, "nsfw"));
		if (prov_image_url(job, json_string_value(json_object_get(img,
		    "url")), json_string_value(json_object_get(img, "id"))))
			return prov_fail(job, ERR_BAD_RESPONSE, "Leonardo image "
			    "%zu has no url", i);
		if (json_is_boolean(json_object_get(img, "nsfw")))
			job->out->images[job->out->nimages - 1].nsfw =
			    json_is_true(json_object_get(img, "nsfw"));
	}
	if (job->out->nimages == 0)
		return prov_fail(job, ERR_NO_IMAGE, "Leonardo completed "
		    "generation %s with no image", job->remote_id);
	job->out->model = strdup(json_string_value(json_object_get(g,
	    "modelId")) ? json_string_value(json_object_get(g, "modelId")) :
	    job->ctx->default_model);
	json_object_set_new(job->out->meta, "nsfw_flagged", json_boolean(nsfw));
	return PROV_NEXT_DONE;
}

static enum prov_next
polled(struct prov_job *job, json_t *j)
{
	json_t *g = json_object_get(j, "generations_by_pk");
	const char *st = json_string_value(json_object_get(g, "status"));

	job->polls++;
	if (!json_is_object(g) || st == NULL)
		return prov_fail(job, ERR_BAD_RESPONSE, "Leonardo does not "
		    "know generation %s", job->remote_id);
	if (strcmp(st, "COMPLETE") == 0)
		return completed(job, g);
	if (strcmp(st, "FAILED") == 0)
		return prov_fail(job, ERR_PROVIDER_UNAVAILABLE, "Leonardo "
		    "generation %s FAILED", job->remote_id);
	if (prov_poll_expired(job))
		return PROV_NEXT_FAIL;
	return poll_next(job);
}

/* The error of a non-2xx answer: its body's "error" first (error_bodies),
 * else its status. */
static enum err
reply_err(const struct prov_reply *r, const json_t *j)
{
	const char *msg = json_string_value(json_object_get(j, "error"));
	size_t i;

	for (i = 0; msg != NULL && i < NELEM(error_bodies); i++)
		if (strcmp(msg, error_bodies[i].error) == 0)
			return error_bodies[i].e;
	return prov_status_err(r->status);
}

static enum prov_next
leonardo_step(struct prov_job *job, const struct prov_reply *r)
{
	enum prov_next n;
	json_t *j;

	if (r->status < 200 || r->status > 299) {
		j = json_loadb(r->body, r->len, 0, NULL);
		n = prov_fail_http(job, r, json_string_value(json_object_get(j,
		    "error")));
		job->err = reply_err(r, j);
		json_decref(j);
		return n;
	}
	if ((j = prov_reply_json(job, r)) == NULL)
		return PROV_NEXT_FAIL;
	n = job->step == STEP_CREATE ? created(job, j) : polled(job, j);
	json_decref(j);
	return n;
}

static void
leonardo_health_begin(struct prov_job *job)
{
	char auth[512];

	prov_request_json(job, "GET", "/me", NULL, prov_bearer(job, auth,
	    sizeof(auth)));
}

static enum err
leonardo_health_check(const struct prov_reply *r)
{
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	enum err e = reply_err(r, j);

	json_decref(j);
	return e;
}

const struct provider prov_leonardo = {
	.name = "leonardo_ai",
	.label = "Leonardo AI",
	.caps = PROV_NEGATIVE_PROMPT | PROV_SEED | PROV_MULTI_IMAGE |
	    PROV_CUSTOM_SIZE | PROV_STYLE,
	.limits = { .max_prompt_chars = 1500, .min_side = 32,
	    .max_side = 1536, .size_multiple = 8, .max_images = 8 },
	.default_model = KINO_XL,
	.unconfigured = leonardo_unconfigured,
	.ctx_init = leonardo_ctx,
	.begin = leonardo_begin,
	.step = leonardo_step,
	.resume = leonardo_resume,
	.health_begin = leonardo_health_begin,
	.health_check = leonardo_health_check,
};
