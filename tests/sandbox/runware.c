/*
 * tests/sandbox/runware.c - Runware (shared/providers/runware.md): one
 * POST with a task array; imageInference answered synchronously with
 * image URLs (served by the sandbox), base64 data or data URIs; ping.
 * WEBP output is served as PNG (no WebP encoder here).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

static void
task_error(struct sb_resp *rs, int status, const char *code,
    const char *param, const char *msg, const char *uuid)
{
	sb_json(rs, status, json_pack("{s:[{s:s,s:s,s:s,s:s,s:s?}]}", "errors",
	    "code", code, "message", msg, "parameter", param, "taskType",
	    "imageInference", "taskUUID", uuid));
}

static bool
side_ok(json_int_t v)
{
	return v >= 128 && v <= 2048 && v % 64 == 0;
}

/* Checks an imageInference task; NULL when fine, else the parameter. */
static const char *
task_check(const json_t *t, const char **msg)
{
	const char *pp = json_string_value(json_object_get(t, "positivePrompt"));
	json_int_t n = json_object_get(t, "numberResults") ?
	    json_integer_value(json_object_get(t, "numberResults")) : 1;

	*msg = "invalid value";
	if (!json_is_string(json_object_get(t, "taskUUID")))
		return *msg = "taskUUID is required", "taskUUID";
	if (pp == NULL || strlen(pp) < 2 || strlen(pp) > 3000)
		return *msg = "positivePrompt must be 2..3000 characters",
		    "positivePrompt";
	if (!json_is_string(json_object_get(t, "model")))
		return *msg = "model is required", "model";
	if (!side_ok(json_integer_value(json_object_get(t, "width"))) ||
	    !side_ok(json_integer_value(json_object_get(t, "height"))))
		return *msg = "width and height must be multiples of 64 within "
		    "128..2048", "width";
	if (n < 1 || n > 20)
		return *msg = "numberResults must be 1..20", "numberResults";
	return NULL;
}

static json_t *
result(const struct sb_port *p, const json_t *t, int i,
    const struct sb_faults *f)
{
	const char *type = json_string_value(json_object_get(t, "outputType")),
	    *fmt = json_string_value(json_object_get(t, "outputFormat"));
	int w = (int)json_integer_value(json_object_get(t, "width")),
	    h = (int)json_integer_value(json_object_get(t, "height"));
	long long seed = json_integer_value(json_object_get(t, "seed"));
	uint64_t hash = sb_hash(json_string_value(json_object_get(t,
	    "positivePrompt")), seed);
	int jpg = fmt == NULL || strcmp(fmt, "JPG") == 0;
	char id[37], url[256], *b64;
	unsigned char *img;
	size_t len;
	json_t *r;

	sb_uuid(id);
	r = json_pack("{s:s,s:O,s:s,s:I,s:f}", "taskType", "imageInference",
	    "taskUUID", json_object_get(t, "taskUUID"), "imageUUID", id,
	    "seed", (json_int_t)seed, "cost", 0.0038);
	if (type == NULL || strcmp(type, "URL") == 0) {
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/img/%dx%d/%llx/"
		    "%d.%s", p->port, w, h, (unsigned long long)hash, i,
		    jpg ? "jpg" : "png");
		json_object_set_new(r, "imageURL", json_string(
		    f->image_url[0] ? f->image_url : url));
		return r;
	}
	img = jpg ? sb_jpeg(w, h, hash, i, &len) : sb_png(w, h, hash, i, &len);
	b64 = sb_base64(img, len);
	if (strcmp(type, "dataURI") == 0) {
		char *uri = malloc(strlen(b64) + 32);

		sprintf(uri, "data:image/%s;base64,%s", jpg ? "jpeg" : "png",
		    b64);
		json_object_set_new(r, "imageDataURI", json_string(uri));
		free(uri);
	} else
		json_object_set_new(r, "imageBase64Data", json_string(b64));
	free(b64);
	free(img);
	return r;
}

static bool
auth_ok(const struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f)
{
	char want[256];
	json_t *t0 = json_array_get(rq->json, 0);
	const char *k = json_string_value(json_object_get(t0, "apiKey"));

	if (f->wrong_auth)
		return false;
	snprintf(want, sizeof(want), "Bearer %s", p->key);
	return (rq->auth && strcmp(rq->auth, want) == 0) ||
	    (k && strcmp(k, p->key) == 0);
}

void
sb_runware(struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	json_t *data, *t;
	const char *param, *msg, *type;
	size_t i;
	int k, n;

	if (strcmp(rq->path, "/v1") != 0 || strcmp(rq->method, "POST") != 0)
		return;
	if (!json_is_array(rq->json))
		return task_error(rs, 400, "invalidJSON", "body",
		    "the body must be a JSON array of tasks", NULL);
	if (!auth_ok(p, rq, f))
		return task_error(rs, 401, "invalidApiKey", "apiKey",
		    "Invalid API key", NULL);
	data = json_array();
	json_array_foreach(rq->json, i, t) {
		type = json_string_value(json_object_get(t, "taskType"));
		if (type && strcmp(type, "ping") == 0)
			json_array_append_new(data, json_pack("{s:s,s:b}",
			    "taskType", "ping", "pong", 1));
		if (type == NULL || strcmp(type, "imageInference") != 0)
			continue;
		if ((param = task_check(t, &msg)) != NULL) {
			json_decref(data);
			return task_error(rs, 400, "invalidParameter", param,
			    msg, json_string_value(json_object_get(t,
			    "taskUUID")));
		}
		n = json_object_get(t, "numberResults") ? (int)
		    json_integer_value(json_object_get(t, "numberResults")) : 1;
		for (k = 0; k < n; k++)
			json_array_append_new(data, result(p, t, k, f));
	}
	sb_json(rs, 200, json_pack("{s:o}", "data", data));
}
