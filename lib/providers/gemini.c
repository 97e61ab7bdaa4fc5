/*
 * lib/providers/gemini.c - Gemini image generation (shared/providers/
 * gemini.md). One image per generateContent call, so n images are n
 * calls in a row; the aspect ratio is the supported one nearest to the
 * requested size; images arrive as base64 inlineData. Blocked prompts and
 * refused outputs are content_blocked, text-only answers no_image; a bad
 * key is 400 with ErrorInfo reason API_KEY_INVALID: auth_failed.
 * Not here: retry, fallback, circuit state (engine); storage; DB.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/b64.h"
#include "lib/core/util.h"
#include "lib/providers/common.h"
#include "lib/providers/gemini.h"

#define MODEL	"gemini-2.5-flash-image"

/* Supported aspect ratios and the size each produces. */
static const struct {
	const char	*ratio;
	int		 w, h;
} ratios[] = {
	{ "1:1", 1024, 1024 }, { "2:3", 832, 1248 },  { "3:2", 1248, 832 },
	{ "3:4", 864, 1184 },  { "4:3", 1184, 864 },  { "4:5", 896, 1152 },
	{ "5:4", 1152, 896 },  { "9:16", 768, 1344 }, { "16:9", 1344, 768 },
	{ "21:9", 1536, 672 },
};

/* finishReason values that mean the output was refused (gemini.md,
 * "Checked against public sources"); the others without an image are
 * no_image (MAX_TOKENS, OTHER, IMAGE_OTHER, NO_IMAGE, ...). */
static const char *const refused[] = { "SAFETY", "RECITATION", "BLOCKLIST",
    "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
    "IMAGE_RECITATION" };

/* google.rpc.ErrorInfo reasons that say more than the HTTP status. */
static const struct {
	const char	*reason;
	enum err	 e;
} reasons[] = {
	{ "API_KEY_INVALID",	ERR_PROVIDER_AUTH },	/* comes as 400 */
};

static const char *
gemini_unconfigured(const struct config *cfg)
{
	return cfg->gemini_api_key[0] ? NULL : "GEMINI_API_KEY is not set";
}

static void
gemini_ctx(const struct config *cfg, struct prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->base_url = cfg->gemini_base_url;
	ctx->api_key = cfg->gemini_api_key;
	ctx->default_model = MODEL;
	ctx->models = cfg->gemini_models;
	ctx->poll_interval_ms = cfg->poll_interval_ms;
	ctx->poll_timeout_ms = cfg->poll_timeout_s * 1000;
	ctx->timeout_ms = cfg->provider_timeout_ms;
}

/* Index of the ratio to ask for, or -1 for an unsupported explicit one. */
static int
ratio_pick(const struct gen_params *p)
{
	double want = log((double)p->width / (double)p->height), d, best = 1e9;
	size_t i;
	int pick = 0;

	for (i = 0; i < NELEM(ratios); i++) {
		if (p->aspect_ratio && strcmp(p->aspect_ratio,
		    ratios[i].ratio) == 0)
			return (int)i;
		d = fabs(log((double)ratios[i].w / ratios[i].h) - want);
		if (d < best) {
			best = d;
			pick = (int)i;
		}
	}
	return p->aspect_ratio ? -1 : pick;
}

static enum prov_next
gemini_call(struct prov_job *job)
{
	const struct gen_params *p = job->params;
	int r = (int)json_integer_value(json_object_get(job->out->meta,
	    "ratio_index"));
	char path[256], auth[512], *text = NULL;
	enum prov_next n;

	if (p->negative_prompt && asprintf(&text, "%s\n\nAvoid: %s", p->prompt,
	    p->negative_prompt) < 0)
		return prov_fail(job, ERR_NOMEM, "out of memory");
	snprintf(path, sizeof(path), "/models/%s:generateContent",
	    p->model ? p->model : job->ctx->default_model);
	snprintf(auth, sizeof(auth), "x-goog-api-key: %s", job->ctx->api_key);
	n = prov_request_json(job, "POST", path, json_pack("{s:[{s:s,s:[{s:s}]}],"
	    "s:{s:[s],s:{s:s}}}", "contents", "role", "user", "parts", "text",
	    text ? text : p->prompt, "generationConfig", "responseModalities",
	    "IMAGE", "imageConfig", "aspectRatio", ratios[r].ratio), auth);
	free(text);
	return n;
}

static enum prov_next
gemini_begin(struct prov_job *job)
{
	int r = ratio_pick(job->params);

	if (r < 0)
		return prov_fail(job, ERR_PROVIDER_INVALID, "aspect_ratio %s "
		    "is not one Gemini supports", job->params->aspect_ratio);
	json_object_set_new(job->out->meta, "ratio_index", json_integer(r));
	json_object_set_new(job->out->meta, "aspect_ratio",
	    json_string(ratios[r].ratio));
	json_object_set_new(job->out->meta, "synthid", json_true());
	if (job->params->negative_prompt)
		json_object_set_new(job->out->meta, "negative_prompt",
		    json_string("appended to the prompt as \"Avoid: ...\""));
	return gemini_call(job);
}

static bool
is_refused(const char *reason)
{
	size_t i;

	for (i = 0; reason != NULL && i < NELEM(refused); i++)
		if (strcmp(reason, refused[i]) == 0)
			return true;
	return false;
}

/* One answer: an image appended, or why there is none. */
static enum prov_next
gemini_answer(struct prov_job *job, json_t *j)
{
	json_t *cand = json_array_get(json_object_get(j, "candidates"), 0),
	    *part, *inl;
	const char *block = json_string_value(json_object_get(json_object_get(j,
	    "promptFeedback"), "blockReason")), *finish, *text = NULL;
	unsigned char *img;
	size_t i, len;

	if (block != NULL)
		return prov_fail(job, ERR_CONTENT_BLOCKED, "Gemini blocked the "
		    "prompt (%s)", block);
	finish = json_string_value(json_object_get(cand, "finishReason"));
	if (is_refused(finish))
		return prov_fail(job, ERR_CONTENT_BLOCKED, "Gemini refused the "
		    "image (finishReason %s)", finish);
	json_array_foreach(json_object_get(json_object_get(cand, "content"),
	    "parts"), i, part) {
		if (text == NULL)
			text = json_string_value(json_object_get(part, "text"));
		inl = json_object_get(part, "inlineData");
		if (inl == NULL)
			continue;
		if (b64_decode(json_string_value(json_object_get(inl, "data")) ?
		    json_string_value(json_object_get(inl, "data")) : "",
		    json_string_length(json_object_get(inl, "data")), &img,
		    &len) != ERR_OK)
			return prov_fail(job, ERR_BAD_RESPONSE, "Gemini "
			    "inlineData is not base64");
		if (prov_image_bytes(job, img, len, NULL) == ERR_OK)
			job->out->images[job->out->nimages - 1].synthid = true;
		return PROV_NEXT_DONE;
	}
	return prov_fail(job, ERR_NO_IMAGE, "Gemini answered without an "
	    "image%s%.200s", text ? ": " : "", text ? text : "");
}

/* 429 RESOURCE_EXHAUSTED may carry RetryInfo.retryDelay ("12s"). */
static long
retry_delay(json_t *err)
{
	json_t *d;
	size_t i;
	const char *v;

	json_array_foreach(json_object_get(err, "details"), i, d)
		if ((v = json_string_value(json_object_get(d, "retryDelay"))))
			return strtol(v, NULL, 10);
	return -1;
}

/* The error an error body's ErrorInfo reason names, or ERR_OK. */
static enum err
reason_err(json_t *err)
{
	const char *reason;
	json_t *d;
	size_t i, k;

	json_array_foreach(json_object_get(err, "details"), i, d) {
		reason = json_string_value(json_object_get(d, "reason"));
		for (k = 0; reason != NULL && k < NELEM(reasons); k++)
			if (strcmp(reason, reasons[k].reason) == 0)
				return reasons[k].e;
	}
	return ERR_OK;
}

static enum prov_next
gemini_step(struct prov_job *job, const struct prov_reply *r)
{
	enum prov_next n;
	json_t *j, *err;

	if (r->status < 200 || r->status > 299) {
		j = json_loadb(r->body, r->len, 0, NULL);
		err = json_object_get(j, "error");
		n = prov_fail_http_as(job, r, reason_err(err),
		    json_string_value(json_object_get(err, "message")));
		if (job->out->retry_after_s < 0)
			job->out->retry_after_s = retry_delay(err);
		json_decref(j);
		return n;
	}
	if ((j = prov_reply_json(job, r)) == NULL)
		return PROV_NEXT_FAIL;
	n = gemini_answer(job, j);
	json_decref(j);
	if (n != PROV_NEXT_DONE)
		return n;
	if ((int)job->out->nimages < job->params->num_images)
		return gemini_call(job);	/* one image per call */
	json_object_del(job->out->meta, "ratio_index");
	job->out->model = strdup(job->params->model ? job->params->model :
	    job->ctx->default_model);
	return PROV_NEXT_DONE;
}

static void
gemini_health_begin(struct prov_job *job)
{
	char path[128], auth[512];

	snprintf(path, sizeof(path), "/models/%s", job->ctx->default_model);
	snprintf(auth, sizeof(auth), "x-goog-api-key: %s", job->ctx->api_key);
	prov_request_json(job, "GET", path, NULL, auth);
}

/* Any 2xx; else the ErrorInfo reason (a bad key is 400), else the status. */
static enum err
gemini_health_check(const struct prov_reply *r)
{
	json_t *j;
	enum err e = prov_status_err(r->status);

	if (e == ERR_OK)
		return ERR_OK;
	j = json_loadb(r->body, r->len, 0, NULL);
	if (reason_err(json_object_get(j, "error")) != ERR_OK)
		e = reason_err(json_object_get(j, "error"));
	json_decref(j);
	return e;
}

const struct provider prov_gemini = {
	.name = "gemini",
	.label = "Gemini",
	.caps = PROV_ASPECT_RATIO | PROV_NEGATIVE_PROMPT,
	.limits = { .max_prompt_chars = 8000, .min_side = 64,
	    .max_side = 4096, .size_multiple = 1, .max_images = 4 },
	.default_model = MODEL,
	.unconfigured = gemini_unconfigured,
	.ctx_init = gemini_ctx,
	.begin = gemini_begin,
	.step = gemini_step,
	.health_begin = gemini_health_begin,
	.health_check = gemini_health_check,
};
