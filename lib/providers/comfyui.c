/*
 * lib/providers/comfyui.c - a local ComfyUI (shared/providers/comfyui.md).
 * The Flux Dev workflow template (workflows/flux_dev.json) is filled by
 * walking its nodes (prompt, size, batch, seed, steps), queued with POST
 * /prompt, polled with GET /history/{id}; images come from GET /view.
 * Not here: retry, fallback, circuit state (engine); storage; DB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lib/core/embed.h"
#include "lib/core/timeutil.h"
#include "lib/core/uuid.h"
#include "lib/providers/common.h"
#include "lib/providers/comfyui.h"

#define WORKFLOW	"lib/providers/workflows/flux_dev.json"
#define OUTPUT_CLASS	"SaveImage"	/* the node whose images we read */
#define STEPS		20

enum { STEP_QUEUE = 0, STEP_POLL };

static const char *
comfyui_unconfigured(const struct config *cfg)
{
	return cfg->comfyui_url[0] ? NULL : "COMFYUI_URL is not set";
}

static void
comfyui_ctx(const struct config *cfg, struct prov_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->base_url = cfg->comfyui_url;
	ctx->default_model = "flux1-dev.safetensors";
	ctx->models = cfg->comfyui_models;
	ctx->poll_interval_ms = cfg->poll_interval_ms;
	ctx->poll_timeout_ms = cfg->poll_timeout_s * 1000;
	ctx->timeout_ms = cfg->provider_timeout_ms;
}

/* Sets input key of every node of class cls. */
static void
set_input(json_t *wf, const char *cls, const char *key, json_t *v)
{
	const char *id;
	json_t *node;

	json_object_foreach(wf, id, node)
		if (json_string_value(json_object_get(node, "class_type")) &&
		    strcmp(json_string_value(json_object_get(node,
		    "class_type")), cls) == 0)
			json_object_set(json_object_get(node, "inputs"), key, v);
	json_decref(v);
}

static int
steps_of(const struct prov_job *job)
{
	return job->ctx->settings.steps > 0 ? job->ctx->settings.steps : STEPS;
}

/* The id of the template's OUTPUT_CLASS node into id (a resumed job
 * has only its prompt id: the template is read again). */
static bool
output_node(char *id, size_t len)
{
	const struct embed_file *f = embed_get(WORKFLOW);
	json_t *wf = f ? json_loads(f->data, 0, NULL) : NULL, *node;
	const char *k, *cls;
	bool found = false;

	json_object_foreach(wf, k, node)
		if (!found && (cls = json_string_value(json_object_get(node,
		    "class_type"))) && strcmp(cls, OUTPUT_CLASS) == 0)
			found = snprintf(id, len, "%s", k) < (int)len;
	json_decref(wf);
	return found;
}

static json_t *
workflow_fill(const struct prov_job *job, int64_t seed)
{
	const struct embed_file *f = embed_get(WORKFLOW);
	const struct gen_params *p = job->params;
	json_t *wf = f ? json_loads(f->data, 0, NULL) : NULL;

	if (wf == NULL)
		return NULL;
	set_input(wf, "CLIPTextEncode", "text", json_string(p->prompt));
	set_input(wf, "EmptySD3LatentImage", "width", json_integer(p->width));
	set_input(wf, "EmptySD3LatentImage", "height", json_integer(p->height));
	set_input(wf, "EmptySD3LatentImage", "batch_size",
	    json_integer(p->num_images));
	set_input(wf, "KSampler", "seed", json_integer(seed));
	set_input(wf, "KSampler", "steps", json_integer(steps_of(job)));
	if (job->ctx->settings.guidance > 0)
		set_input(wf, "FluxGuidance", "guidance",
		    json_real(job->ctx->settings.guidance));
	set_input(wf, "UNETLoader", "unet_name", json_string(p->model ?
	    p->model : job->ctx->default_model));
	return wf;
}

static enum prov_next
comfyui_begin(struct prov_job *job)
{
	const struct gen_params *p = job->params;
	int64_t seed = p->has_seed ? p->seed : (int64_t)(((uint64_t)
	    time_wall_ms() * 2654435761u) % 4294967296u);
	char client[UUID_STRLEN + 1], out[32];
	json_t *wf = workflow_fill(job, seed);

	if (wf == NULL || !output_node(out, sizeof(out))) {
		json_decref(wf);
		return prov_fail(job, ERR_INTERNAL, "the ComfyUI workflow "
		    "template is missing, not JSON or without %s",
		    OUTPUT_CLASS);
	}
	json_object_set_new(job->out->meta, "seed", json_integer(seed));
	json_object_set_new(job->out->meta, "steps",
	    json_integer(steps_of(job)));
	uuid_make(client);
	job->step = STEP_QUEUE;
	return prov_request_json(job, "POST", "/prompt", json_pack("{s:o,s:s}",
	    "prompt", wf, "client_id", client), NULL);
}

static enum prov_next
poll_next(struct prov_job *job)
{
	char path[200];
	enum prov_next n;

	snprintf(path, sizeof(path), "/history/%s", job->remote_id);
	n = prov_request_json(job, "GET", path, NULL, NULL);
	job->req.delay_ms = job->ctx->poll_interval_ms;
	job->step = STEP_POLL;
	return n;
}

/* A job an earlier runner created: poll it (the remote id is set). */
static enum prov_next
comfyui_resume(struct prov_job *job)
{
	job->out->provider_job_id = strdup(job->remote_id);
	return poll_next(job);
}

/* The node_errors entry that stops our output: its own, or one whose
 * dependent_outputs list it (NULL when it was queued; other outputs of
 * the workflow may have failed validation). */
static json_t *
output_error(json_t *node_errors, const char *out)
{
	const char *k;
	json_t *ne, *d;
	size_t i;

	json_object_foreach(node_errors, k, ne) {
		if (strcmp(k, out) == 0)
			return ne;
		json_array_foreach(json_object_get(ne, "dependent_outputs"), i,
		    d)
			if (json_is_string(d) && strcmp(json_string_value(d),
			    out) == 0)
				return ne;
	}
	return NULL;
}

static enum prov_next
queued(struct prov_job *job, json_t *j)
{
	const char *id = json_string_value(json_object_get(j, "prompt_id"));
	char out[32];
	json_t *ne;

	if (!output_node(out, sizeof(out)))
		return prov_fail(job, ERR_INTERNAL, "the ComfyUI workflow "
		    "template has no %s node", OUTPUT_CLASS);
	if ((ne = output_error(json_object_get(j, "node_errors"), out))) {
		char *t = json_dumps(ne, JSON_COMPACT);
		enum prov_next n = prov_fail(job, ERR_PROVIDER_INVALID,
		    "ComfyUI did not queue output node %s: %.300s", out,
		    t ? t : "?");

		free(t);
		return n;
	}
	if (id == NULL || strlen(id) >= sizeof(job->remote_id))
		return prov_fail(job, ERR_BAD_RESPONSE, "ComfyUI answered "
		    "without prompt_id");
	snprintf(job->remote_id, sizeof(job->remote_id), "%s", id);
	job->out->provider_job_id = strdup(id);
	return poll_next(job);
}

/* "{base}/view?filename=..&subfolder=..&type=.." for one output image. */
static enum err
add_view(struct prov_job *job, json_t *img)
{
	const char *k[3] = { "filename", "subfolder", "type" };
	char *v[3] = { NULL, NULL, NULL }, *url = NULL;
	enum err e = ERR_NOMEM;
	int i;

	for (i = 0; i < 3; i++) {
		const char *s = json_string_value(json_object_get(img, k[i]));

		if ((v[i] = curl_easy_escape(NULL, s ? s : "", 0)) == NULL)
			goto out;
	}
	if (v[0][0] == '\0') {
		e = ERR_BAD_RESPONSE;
		goto out;
	}
	if (asprintf(&url, "%s/view?filename=%s&subfolder=%s&type=%s",
	    job->ctx->base_url, v[0], v[1], v[2][0] ? v[2] : "output") >= 0)
		e = prov_image_url(job, url, json_string_value(
		    json_object_get(img, "filename")));
out:
	for (i = 0; i < 3; i++)
		curl_free(v[i]);
	free(url);
	return e;
}

/* Reads the images of our output node only (a workflow may have others,
 * previews among them). */
static enum prov_next
finished(struct prov_job *job, json_t *h)
{
	char node[32];
	json_t *img;
	size_t i;

	if (!output_node(node, sizeof(node)))
		return prov_fail(job, ERR_INTERNAL, "the ComfyUI workflow "
		    "template has no %s node", OUTPUT_CLASS);
	json_array_foreach(json_object_get(json_object_get(json_object_get(h,
	    "outputs"), node), "images"), i, img)
		if (add_view(job, img) != ERR_OK)
			return prov_fail(job, ERR_BAD_RESPONSE, "ComfyUI output "
			    "%s has a bad image entry", node);
	if (job->out->nimages == 0)
		return prov_fail(job, ERR_NO_IMAGE, "ComfyUI finished %s with "
		    "no image", job->remote_id);
	job->out->model = strdup(job->params->model ? job->params->model :
	    job->ctx->default_model);
	return PROV_NEXT_DONE;
}

static enum prov_next
polled(struct prov_job *job, json_t *j)
{
	json_t *h = json_object_get(j, job->remote_id), *st;
	const char *s;

	job->polls++;
	if (h == NULL) {
		if (prov_poll_expired(job))
			return PROV_NEXT_FAIL;
		return poll_next(job);
	}
	st = json_object_get(h, "status");
	s = json_string_value(json_object_get(st, "status_str"));
	if (s != NULL && strcmp(s, "error") == 0) {
		char *m = json_dumps(json_object_get(st, "messages"),
		    JSON_COMPACT);
		enum prov_next n = prov_fail(job, ERR_PROVIDER_UNAVAILABLE,
		    "ComfyUI execution failed: %.300s", m ? m : "");

		free(m);
		return n;
	}
	return finished(job, h);
}

static enum prov_next
comfyui_step(struct prov_job *job, const struct prov_reply *r)
{
	enum prov_next n;
	json_t *j;

	if (r->status < 200 || r->status > 299) {
		char *t;

		j = json_loadb(r->body, r->len, 0, NULL);
		t = json_dumps(json_object_get(j, "node_errors") ?
		    json_object_get(j, "node_errors") : json_object_get(j,
		    "error"), JSON_COMPACT);
		n = prov_fail_http(job, r, t);
		free(t);
		json_decref(j);
		return n;
	}
	if ((j = prov_reply_json(job, r)) == NULL)
		return PROV_NEXT_FAIL;
	n = job->step == STEP_QUEUE ? queued(job, j) : polled(job, j);
	json_decref(j);
	return n;
}

static void
comfyui_health_begin(struct prov_job *job)
{
	prov_request_json(job, "GET", "/system_stats", NULL, NULL);
}

const struct provider prov_comfyui = {
	.name = "comfyui",
	.label = "ComfyUI",
	.caps = PROV_SEED | PROV_MULTI_IMAGE | PROV_CUSTOM_SIZE,
	.limits = { .max_prompt_chars = 10000, .min_side = 64,
	    .max_side = 2048, .size_multiple = 16, .max_images = 4 },
	.default_model = "flux1-dev.safetensors",
	.unconfigured = comfyui_unconfigured,
	.ctx_init = comfyui_ctx,
	.begin = comfyui_begin,
	.step = comfyui_step,
	.resume = comfyui_resume,
	.health_begin = comfyui_health_begin,
	.health_check = prov_health_by_status,
};
