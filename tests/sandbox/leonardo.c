/*
 * tests/sandbox/leonardo.c - Leonardo AI REST v1 (shared/providers/
 * leonardo.md): POST /generations, then GET /generations/{id} polls
 * PENDING -> COMPLETE with image URLs served by the sandbox (JPEG).
 * Strict as the real API (the note's corrections): a key that is not a
 * UUID is the authorization hook's 500, a wrong one 401; presetStyle
 * other than LEONARDO/NONE needs alchemy; at most 4 images above 768 px;
 * unknown fields are refused (Hasura validates the action's input).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

#define BASE	"/api/rest/v1"

/* The fields POST /generations takes (more than we send; others: 400). */
static const char *const fields[] = { "prompt", "negative_prompt",
    "modelId", "width", "height", "num_images", "seed", "alchemy",
    "presetStyle", "guidance_scale", "num_inference_steps", "public",
    "scheduler", "sd_version", "photoReal", "photoRealVersion",
    "contrast", "ultra", "enhancePrompt", "styleUUID", "tiling",
    "transparency", "highResolution", "expandedDomain", NULL };
/* presetStyle values with alchemy on; off, only LEONARDO and NONE. */
static const char *const alchemy_styles[] = { "ANIME", "CREATIVE",
    "DYNAMIC", "ENVIRONMENT", "GENERAL", "ILLUSTRATION", "PHOTOGRAPHY",
    "RAYTRACED", "RENDER_3D", "SKETCH_BW", "SKETCH_COLOR", "NONE", NULL };
static const char *const plain_styles[] = { "LEONARDO", "NONE", NULL };

static bool
listed(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

static bool
uuid_shaped(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' :
		    strchr("0123456789abcdefABCDEF", s[i]) == NULL)
			return false;
	return i == 36;
}

/* Leonardo's answer to a bad key, or false when the key is right. A
 * key fault stands for the key an operator configured. */
static bool
auth_refused(const struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	const char *key = f->key[0] ? f->key : rq->auth &&
	    strncmp(rq->auth, "Bearer ", 7) == 0 ? rq->auth + 7 : "";

	if (!uuid_shaped(key))
		sb_json(rs, 500, json_pack("{s:s,s:s}", "error",
		    "Invalid response from authorization hook", "code",
		    "unexpected"));
	else if (f->wrong_auth || strcmp(key, p->key) != 0)
		sb_json(rs, 401, json_pack("{s:s,s:s,s:s}", "error",
		    "Authentication hook unauthorized this request", "path",
		    "$", "code", "access-denied"));
	else
		return false;
	return true;
}

static void
bad(struct sb_resp *rs, const char *path, const char *msg)
{
	sb_json(rs, 400, json_pack("{s:s,s:s,s:s}", "error", msg, "path",
	    path, "code", "invalid-parameter"));
}

static bool
side_ok(json_int_t v)
{
	return v >= 32 && v <= 1536 && v % 8 == 0;
}

/* The first rule of the real API the body breaks, into msg (its JSON
 * path into at); NULL when none. */
static const char *
refusal(const json_t *b, char *msg, size_t len, const char **at)
{
	const char *k, *style = json_string_value(json_object_get(b,
	    "presetStyle"));
	bool alchemy = json_is_true(json_object_get(b, "alchemy"));
	json_int_t w = json_integer_value(json_object_get(b, "width")),
	    h = json_integer_value(json_object_get(b, "height")),
	    n = json_integer_value(json_object_get(b, "num_images"));
	json_t *v;

	*at = "$";
	json_object_foreach((json_t *)b, k, v)
		if (!listed(fields, k)) {
			snprintf(msg, len, "unexpected field \"%.64s\" for "
			    "input object", k);
			return "validation-failed";
		}
	*at = "$.presetStyle";
	if (style && !listed(alchemy ? alchemy_styles : plain_styles, style)) {
		snprintf(msg, len, "%s", alchemy ? "presetStyle is not a valid "
		    "style" : "presetStyle needs alchemy enabled");
		return "invalid-parameter";
	}
	*at = "$.num_images";
	if (n > 4 && (w > 768 || h > 768)) {
		snprintf(msg, len, "num_images must be 1..4 when width or "
		    "height is over 768");
		return "invalid-parameter";
	}
	return NULL;
}

static void
create(struct sb_port *p, const struct sb_req *rq, const struct sb_faults *f,
    struct sb_resp *rs)
{
	json_t *b = rq->json;
	const char *prompt = json_string_value(json_object_get(b, "prompt"));
	json_int_t w = json_integer_value(json_object_get(b, "width")),
	    h = json_integer_value(json_object_get(b, "height")),
	    n = json_object_get(b, "num_images") ? json_integer_value(
	    json_object_get(b, "num_images")) : 1;
	const char *code, *at;
	char msg[160];
	struct sb_job *j;

	if (!json_is_object(b))
		return bad(rs, "$", "body must be a JSON object");
	if ((code = refusal(b, msg, sizeof(msg), &at)) != NULL)
		return sb_json(rs, 400, json_pack("{s:s,s:s,s:s}", "error",
		    msg, "path", at, "code", code));
	if (prompt == NULL || prompt[0] == '\0')
		return bad(rs, "$.prompt", "prompt is required");
	if (strlen(prompt) > 1500)
		return bad(rs, "$.prompt", "prompt is too long");
	if (!side_ok(w ? w : 1024) || !side_ok(h ? h : 768))
		return bad(rs, "$.width", "width and height must be multiples "
		    "of 8 within 32..1536");
	if (n < 1 || n > 8)
		return bad(rs, "$.num_images", "num_images must be 1..8");
	pthread_mutex_lock(&p->lock);
	j = sb_job_new(p);
	j->width = (int)(w ? w : 1024);
	j->height = (int)(h ? h : 768);
	j->n = (int)n;
	j->seed = json_integer_value(json_object_get(b, "seed"));
	j->hash = sb_hash(prompt, j->seed);
	j->polls_left = f->pending_polls;
	j->jpeg = true;
	sb_json(rs, 200, json_pack("{s:{s:s,s:i}}", "sdGenerationJob",
	    "generationId", j->id, "apiCreditCost", 8));
	pthread_mutex_unlock(&p->lock);
}

static json_t *
images(const struct sb_port *p, const struct sb_job *j,
    const struct sb_faults *f)
{
	json_t *a = json_array();
	char url[256], id[37];
	int i;

	for (i = 0; i < j->n; i++) {
		sb_uuid(id);
		snprintf(url, sizeof(url), "http://127.0.0.1:%d/img/%dx%d/"
		    "%llx/%d.jpg", p->port, j->width, j->height,
		    (unsigned long long)j->hash, i);
		json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:i}", "id", id,
		    "url", f->image_url[0] ? f->image_url : url, "nsfw", 0, "likeCount", 0));
	}
	return a;
}

static void
poll_job(struct sb_port *p, const char *id, const struct sb_faults *f,
    struct sb_resp *rs)
{
	struct sb_job *j;
	json_t *g;

	pthread_mutex_lock(&p->lock);
	if ((j = sb_job_find(p, id)) == NULL) {
		pthread_mutex_unlock(&p->lock);
		return sb_json(rs, 200, json_pack("{s:n}", "generations_by_pk"));
	}
	g = json_pack("{s:s,s:s,s:s,s:i,s:i,s:I,s:s}", "id", j->id, "status",
	    j->polls_left > 0 ? "PENDING" : "COMPLETE", "modelId",
	    "aa77f04e-3eec-4034-9c07-d0f619684628", "imageWidth", j->width,
	    "imageHeight", j->height, "seed", (json_int_t)j->seed, "createdAt",
	    "2026-11-24T00:00:00.000Z");
	json_object_set_new(g, "generated_images", j->polls_left > 0 ?
	    json_array() : images(p, j, f));
	if (j->polls_left > 0)
		j->polls_left--;
	pthread_mutex_unlock(&p->lock);
	sb_json(rs, 200, json_pack("{s:o}", "generations_by_pk", g));
}

void
sb_leonardo(struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	const char *path = rq->path;

	if (strncmp(path, BASE "/", sizeof(BASE)) != 0)
		return;
	if (auth_refused(p, rq, f, rs))
		return;
	path += strlen(BASE);
	if (strcmp(path, "/generations") == 0 && strcmp(rq->method, "POST") == 0)
		return create(p, rq, f, rs);
	if (strncmp(path, "/generations/", 13) == 0 &&
	    strcmp(rq->method, "GET") == 0)
		return poll_job(p, path + 13, f, rs);
	if (strcmp(path, "/me") == 0)
		return sb_json(rs, 200, json_pack("{s:[{s:{s:s,s:s},s:i}]}",
		    "user_details", "user", "id", "sandbox", "username",
		    "sandbox", "apiCredit", 100000));
	if (strcmp(path, "/platformModels") == 0)
		return sb_json(rs, 200, json_pack("{s:[{s:s,s:s}]}",
		    "custom_models", "id", "aa77f04e-3eec-4034-9c07-d0f619684628",
		    "name", "Leonardo Kino XL"));
}
