/*
 * tests/sandbox/comfyui.c - ComfyUI (shared/providers/comfyui.md): POST
 * /prompt checks the API-format workflow, GET /history/{id} is {} until
 * done, then lists the SaveImage outputs; GET /view serves them (PNG).
 * The node_errors fault queues with a validation error for one node, as
 * ComfyUI does when other outputs were good: for the SaveImage node, that
 * output is then not run (no images in the history). The no_outputs
 * fault finishes every job without outputs.
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

static void
node_error(struct sb_resp *rs, const char *node, const char *msg)
{
	sb_json(rs, 400, json_pack("{s:{s:s,s:s},s:{s:{s:[{s:s,s:s}],s:s}}}",
	    "error", "type", "prompt_outputs_failed_validation", "message",
	    "Prompt outputs failed validation", "node_errors", node, "errors",
	    "type", "value_not_valid", "message", msg, "class_type",
	    "unknown"));
}

/* Reads the workflow into j; NULL when fine, else the bad node's id. */
static const char *
workflow_read(const json_t *wf, struct sb_job *j, const char **msg)
{
	const char *id, *cls, *text = "";
	json_t *node, *in;

	json_object_foreach((json_t *)wf, id, node) {
		cls = json_string_value(json_object_get(node, "class_type"));
		in = json_object_get(node, "inputs");
		if (cls == NULL || !json_is_object(in))
			return *msg = "class_type and inputs are required", id;
		if (strcmp(cls, "SaveImage") == 0)
			snprintf(j->node, sizeof(j->node), "%s", id);
		if (strcmp(cls, "CLIPTextEncode") == 0 &&
		    json_string_value(json_object_get(in, "text")))
			text = json_string_value(json_object_get(in, "text"));
		if (strcmp(cls, "EmptySD3LatentImage") == 0 ||
		    strcmp(cls, "EmptyLatentImage") == 0) {
			j->width = (int)json_integer_value(json_object_get(in,
			    "width"));
			j->height = (int)json_integer_value(json_object_get(in,
			    "height"));
			j->n = (int)json_integer_value(json_object_get(in,
			    "batch_size"));
		}
		if (strcmp(cls, "KSampler") == 0)
			j->seed = json_integer_value(json_object_get(in, "seed"));
	}
	if (j->node[0] == '\0')
		return *msg = "the workflow has no SaveImage output", "0";
	if (j->width < 16 || j->height < 16 || j->width > 4096 ||
	    j->height > 4096 || j->n < 1 || j->n > 8)
		return *msg = "latent image size or batch_size out of range",
		    "6";
	j->hash = sb_hash(text, j->seed);
	return NULL;
}

/* node_errors of the 200 answer: {} or the fault's node. */
static json_t *
queued_errors(const struct sb_faults *f)
{
	if (f->node_errors[0] == '\0')
		return json_object();
	return json_pack("{s:{s:[{s:s,s:s,s:s,s:{}}],s:[s],s:s}}",
	    f->node_errors, "errors", "type", "value_not_valid", "message",
	    "Value not in list", "details", "ckpt_name: 'missing.safetensors' "
	    "not in []", "extra_info", "dependent_outputs", f->node_errors,
	    "class_type", "CheckpointLoaderSimple");
}

static void
queue(struct sb_port *p, const struct sb_req *rq, const struct sb_faults *f,
    struct sb_resp *rs)
{
	json_t *wf = json_object_get(rq->json, "prompt");
	struct sb_job tmp, *j;
	const char *bad, *msg;

	memset(&tmp, 0, sizeof(tmp));
	if (!json_is_object(wf))
		return node_error(rs, "0", "prompt must be an API-format "
		    "workflow object");
	if ((bad = workflow_read(wf, &tmp, &msg)) != NULL)
		return node_error(rs, bad, msg);
	pthread_mutex_lock(&p->lock);
	j = sb_job_new(p);
	memcpy(j->node, tmp.node, sizeof(j->node));
	j->width = tmp.width;
	j->height = tmp.height;
	j->n = tmp.n;
	j->seed = tmp.seed;
	j->hash = tmp.hash;
	j->polls_left = f->pending_polls;
	if (strcmp(f->node_errors, j->node) == 0)
		j->n = 0;		/* our output failed validation */
	if (f->no_outputs)
		j->n = 0;		/* ran, saved nothing */
	sb_json(rs, 200, json_pack("{s:s,s:i,s:o}", "prompt_id", j->id,
	    "number", (int)p->next_job, "node_errors", queued_errors(f)));
	pthread_mutex_unlock(&p->lock);
}

static void
history(struct sb_port *p, const char *id, struct sb_resp *rs)
{
	struct sb_job *j;
	json_t *imgs, *out;
	char name[128];
	int i;

	pthread_mutex_lock(&p->lock);
	if ((j = sb_job_find(p, id)) == NULL || j->polls_left-- > 0) {
		pthread_mutex_unlock(&p->lock);
		return sb_json(rs, 200, json_object());
	}
	imgs = json_array();
	for (i = 0; i < j->n; i++) {
		snprintf(name, sizeof(name), "imagegen_%llx_%dx%d_%d_.png",
		    (unsigned long long)j->hash, j->width, j->height, i);
		json_array_append_new(imgs, json_pack("{s:s,s:s,s:s}",
		    "filename", name, "subfolder", "", "type", "output"));
	}
	out = json_pack("{s:{s:{s:s,s:b,s:[]},s:{}}}", id, "status",
	    "status_str", "success", "completed", 1, "messages", "outputs");
	if (j->n > 0)
		json_object_set_new(json_object_get(json_object_get(out, id),
		    "outputs"), j->node, json_pack("{s:o}", "images", imgs));
	else
		json_decref(imgs);
	pthread_mutex_unlock(&p->lock);
	sb_json(rs, 200, out);
}

static void
view(const struct sb_req *rq, const struct sb_faults *f, struct sb_resp *rs)
{
	const char *name = rq->arg(rq->conn, "filename");
	unsigned long long hash;
	int w, h, n;
	char path[96];

	if (name == NULL || sscanf(name, "imagegen_%llx_%dx%d_%d_.png", &hash,
	    &w, &h, &n) != 4)
		return sb_json(rs, 404, json_pack("{s:s}", "error", "no file"));
	snprintf(path, sizeof(path), "/img/%dx%d/%llx/%d.png", w, h, hash, n);
	{
		struct sb_req img = *rq;

		img.path = path;
		sb_image_route(&img, f, rs);
	}
}

void
sb_comfyui(struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	const char *m = rq->method;

	if (strcmp(rq->path, "/prompt") == 0 && strcmp(m, "POST") == 0)
		queue(p, rq, f, rs);
	else if (strncmp(rq->path, "/history/", 9) == 0)
		history(p, rq->path + 9, rs);
	else if (strcmp(rq->path, "/view") == 0)
		view(rq, f, rs);
	else if (strcmp(rq->path, "/system_stats") == 0)
		sb_json(rs, 200, json_pack("{s:{s:s,s:s},s:[]}", "system", "os",
		    "posix", "comfyui_version", "sandbox", "devices"));
	else if (strcmp(rq->path, "/queue") == 0)
		sb_json(rs, 200, json_pack("{s:[],s:[]}", "queue_running",
		    "queue_pending"));
	else if (strcmp(rq->path, "/object_info") == 0)
		sb_json(rs, 200, json_pack("{s:{s:s}}", "KSampler", "category",
		    "sampling"));
}
