/*
 * tests/sandbox/runware.c - Runware (shared/providers/runware.md): one
 * POST with a task array; imageInference answered synchronously with
 * image URLs (served by the sandbox), base64 data or data URIs; an
 * authentication task alone answers its session. Strict as the real API:
 * a bad key is 401 invalidApiKey (taskType authentication), seed must be
 * >= 1, prompts 2..3000 characters, sides multiples of 64 in 128..2048,
 * and ping (documented for WebSockets only) is refused over HTTP.
 * WEBP output is served as PNG (no WebP encoder here).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

static void
task_error(struct sb_resp *rs, int status, const char *code,
    const char *param, const char *msg, const char *type, const char *uuid)
{
	sb_json(rs, status, json_pack("{s:[{s:s,s:s,s:s,s:s,s:s?}]}", "errors",
	    "code", code, "message", msg, "parameter", param, "taskType",
	    type, "taskUUID", uuid));
}

/* UTF-8 characters (code points) of s. */
static size_t
chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool
text_ok(const json_t *v, bool optional)
{
	return (optional && v == NULL) || (json_is_string(v) &&
	    chars(json_string_value(v)) >= 2 &&
	    chars(json_string_value(v)) <= 3000);
}

static bool
side_ok(const json_t *v)
{
	json_int_t n = json_integer_value(v);

	return json_is_integer(v) && n >= 128 && n <= 2048 && n % 64 == 0;
}

/* Checks an imageInference task; NULL when fine, else the error code
 * (*param and *msg say more), as the real API names them. */
static const char *
task_check(const json_t *t, const char **param, const char **msg)
{
	const json_t *n = json_object_get(t, "numberResults"),
	    *seed = json_object_get(t, "seed");

	if (!json_is_string(json_object_get(t, "taskUUID")))
		return *param = "taskUUID", *msg = "Missing or invalid "
		    "taskUUID parameter.", "invalidTaskUUID";
	if (!text_ok(json_object_get(t, "positivePrompt"), false))
		return *param = "positivePrompt", *msg = "Invalid value for "
		    "positivePrompt parameter. It must be between 2 and 3000 "
		    "characters.", "invalidPositivePrompt";
	if (!text_ok(json_object_get(t, "negativePrompt"), true))
		return *param = "negativePrompt", *msg = "Invalid value for "
		    "negativePrompt parameter. It must be between 2 and 3000 "
		    "characters.", "invalidNegativePrompt";
	if (!json_is_string(json_object_get(t, "model")))
		return *param = "model", *msg = "Missing model parameter.",
		    "invalidModel";
	if (!side_ok(json_object_get(t, "width")))
		return *param = "width", *msg = "Invalid value for width "
		    "parameter. It must be a multiple of 64 between 128 and "
		    "2048.", "invalidWidth";
	if (!side_ok(json_object_get(t, "height")))
		return *param = "height", *msg = "Invalid value for height "
		    "parameter. It must be a multiple of 64 between 128 and "
		    "2048.", "invalidHeight";
	if (seed != NULL && (!json_is_integer(seed) ||
	    json_integer_value(seed) < 1))
		return *param = "seed", *msg = "Invalid value for seed "
		    "parameter. The seed must be an integer between 1 and "
		    "9223372036854776000.", "invalidSeed";
	if (n != NULL && (!json_is_integer(n) || json_integer_value(n) < 1 ||
	    json_integer_value(n) > 20))
		return *param = "numberResults", *msg = "Invalid value for "
		    "numberResults parameter. It must be between 1 and 20.",
		    "invalidNumberResults";
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
	const char *param, *msg, *type, *code;
	char session[37];
	size_t i;
	int k, n;

	if (strcmp(rq->path, "/v1") != 0 || strcmp(rq->method, "POST") != 0)
		return;
	if (!json_is_array(rq->json))
		return task_error(rs, 400, "invalidJSON", "body",
		    "Invalid JSON. The body must be an array of tasks.", NULL,
		    NULL);
	if (!auth_ok(p, rq, f))
		return task_error(rs, 401, "invalidApiKey", "apiKey",
		    "Invalid API key. Get one at https://my.runware.ai/signup",
		    "authentication", NULL);
	data = json_array();
	json_array_foreach(rq->json, i, t) {
		type = json_string_value(json_object_get(t, "taskType"));
		if (type && strcmp(type, "authentication") == 0 && i == 0) {
			sb_uuid(session);
			json_array_append_new(data, json_pack("{s:s,s:s}",
			    "taskType", "authentication",
			    "connectionSessionUUID", session));
			continue;
		}
		if (type == NULL || strcmp(type, "imageInference") != 0) {
			json_decref(data);
			return task_error(rs, 400, "invalidTaskType", "taskType",
			    "Invalid value for taskType parameter.", type,
			    json_string_value(json_object_get(t, "taskUUID")));
		}
		if ((code = task_check(t, &param, &msg)) != NULL) {
			json_decref(data);
			return task_error(rs, 400, code, param, msg,
			    "imageInference", json_string_value(
			    json_object_get(t, "taskUUID")));
		}
		n = json_object_get(t, "numberResults") ? (int)
		    json_integer_value(json_object_get(t, "numberResults")) : 1;
		for (k = 0; k < n; k++)
			json_array_append_new(data, result(p, t, k, f));
	}
	sb_json(rs, 200, json_pack("{s:o}", "data", data));
}
