/*
 * tests/helpers/prov_replay.c - recorded provider answers replayed
 * through a state machine (format in prov_replay.h).
 * Not here: the network, the engine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/providers/common.h"
#include "lib/providers/registry.h"
#include "tests/helpers/prov_replay.h"

#define REMOTE_ID	"${remote_id}"

/* dir/name with every ${remote_id} replaced by id; caller frees. */
static char *
body_load(const char *dir, const char *name, const char *id)
{
	char path[512], *raw = NULL, *out, *o, *p, *at;
	size_t cap = 0, k = strlen(REMOTE_ID);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	cr_assert(getdelim(&raw, &cap, '\0', f) >= 0, "%s", path);
	fclose(f);
	out = calloc(1, strlen(raw) + (strlen(raw) / k + 1) * strlen(id) + 1);
	cr_assert_not_null(out);
	for (o = out, p = raw; (at = strstr(p, REMOTE_ID)) != NULL; p = at + k) {
		memcpy(o, p, (size_t)(at - p));
		o = stpcpy(o + (at - p), id);
	}
	strcpy(o, p);
	free(raw);
	return out;
}

/* Feeds "STATUS:FILE" to job's step (or, job NULL, to p's health check):
 * the step's verdict, or for health PROV_NEXT_DONE / PROV_NEXT_FAIL with
 * *health set. */
static enum prov_next
feed(const struct provider *p, struct prov_job *job, const char *dir,
    const char *reply, enum err *health, const char *where)
{
	struct prov_reply r = { .retry_after_s = -1 };
	char *body, *colon = strchr(reply, ':');
	enum prov_next n;

	cr_assert_not_null(colon, "%s: %s is not STATUS:FILE", where, reply);
	r.status = strtol(reply, NULL, 10);
	body = body_load(dir, colon + 1, job ? job->remote_id : "");
	r.body = body;
	r.len = strlen(body);
	if (job != NULL)
		n = p->step(job, &r);
	else
		n = (*health = p->health_check(&r)) ? PROV_NEXT_FAIL :
		    PROV_NEXT_DONE;
	free(body);
	return n;
}

/* One "gen" case: begin, the replies, the outcome against expect. */
static void
case_gen(const struct provider *p, const struct prov_ctx *ctx,
    const char *dir, const char *expect, char *replies, const char *where)
{
	struct gen_params gp = { .prompt = "a red fox in snow, watercolor",
	    .width = 1024, .height = 1024, .num_images = 1 };
	struct gen_output out;
	struct prov_job job;
	enum prov_next n;
	char *tok, *save = NULL;

	gen_output_init(&out);
	prov_job_init(&job, p, ctx, &gp, &out);
	n = p->begin(&job);
	cr_expect_eq(n, PROV_NEXT_REQUEST, "%s: begin", where);
	for (tok = strtok_r(replies, " \t\n", &save); tok != NULL &&
	    n == PROV_NEXT_REQUEST; tok = strtok_r(NULL, " \t\n", &save))
		n = feed(p, &job, dir, tok, NULL, where);
	cr_expect_null(tok, "%s: the job ended before %s", where, tok);
	if (strcmp(expect, "ok") == 0) {
		cr_expect_eq(n, PROV_NEXT_DONE, "%s: not done (%s: %s)", where,
		    err_code(job.err), out.error);
		cr_expect_gt(out.nimages, 0, "%s: no image", where);
	} else {
		cr_expect_eq(n, PROV_NEXT_FAIL, "%s: did not fail", where);
		cr_expect_str_eq(err_code(job.err), expect, "%s (%s)", where,
		    out.error);
	}
	prov_job_fini(&job);
	gen_output_fini(&out);
}

static void
case_health(const struct provider *p, const char *dir, const char *expect,
    char *reply, const char *where)
{
	enum err e = ERR_OK;
	char *save = NULL;

	feed(p, NULL, dir, strtok_r(reply, " \t\n", &save), &e, where);
	cr_expect_str_eq(e == ERR_OK ? "ok" : err_code(e), expect, "%s",
	    where);
}

int
prov_replay_dir(const struct provider *p, const struct config *cfg,
    const char *dir)
{
	char path[512], *line = NULL, kind[16], expect[64], where[600];
	size_t cap = 0;
	int lineno = 0, cases = 0, off;
	struct prov_ctx ctx;
	FILE *f;

	p->ctx_init(cfg, &ctx);
	snprintf(path, sizeof(path), "%s/replay.txt", dir);
	cr_assert_not_null(f = fopen(path, "r"), "%s", path);
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (sscanf(line, "%15s %63s %n", kind, expect, &off) != 2 ||
		    kind[0] == '#')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (strcmp(kind, "gen") == 0)
			case_gen(p, &ctx, dir, expect, line + off, where);
		else if (strcmp(kind, "health") == 0)
			case_health(p, dir, expect, line + off, where);
		else
			cr_assert_fail("%s: kind %s is not gen or health",
			    where, kind);
		cases++;
	}
	free(line);
	fclose(f);
	return cases;
}

void
prov_replay_run(const char *name, const char *folder, int min)
{
	static const char *const keys[] = { "LEONARDO_API_KEY",
	    "RUNWARE_API_KEY", "GEMINI_API_KEY" };
	const struct provider *p = prov_registry_find(name);
	struct config cfg;
	char dir[256];
	size_t i;

	cr_assert_not_null(p, "%s", name);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		setenv(keys[i], "k-replay", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, (char[256]){ 0 }, 256), ERR_OK);
	snprintf(dir, sizeof(dir), "tests/data/providers/%s", folder);
	cr_assert_geq(prov_replay_dir(p, &cfg, dir), min, "%s: every case "
	    "of replay.txt ran", dir);
	cfg_fini(&cfg);
}
