/*
 * tests/sandbox/leonardo.c - Leonardo AI REST v1 (shared/providers/
 * leonardo.md): POST /generations, then GET /generations/{id} polls
 * PENDING -> COMPLETE with image URLs served by the sandbox (JPEG).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

#define BASE	"/api/rest/v1"

static bool
auth_ok(const struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f)
{
	char want[256];

	snprintf(want, sizeof(want), "Bearer %s", p->key);
	return !f->wrong_auth && rq->auth && strcmp(rq->auth, want) == 0;
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
	struct sb_job *j;

	if (!json_is_object(b))
		return bad(rs, "$", "body must be a JSON object");
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
	if (!auth_ok(p, rq, f))
		return sb_json(rs, 401, json_pack("{s:s,s:s,s:s}", "error",
		    "Invalid API key", "path", "$", "code", "invalid-api-key"));
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
