/*
 * tests/helpers/replay.c - recorded provider answers through a provider's
 * state machine (see replay.h).
 * Not here: the answers (tests/data/providers/), the provider.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/providers/common.h"
#include "lib/providers/registry.h"
#include "tests/helpers/replay.h"

/* A file's name, split: STEP.STATUS.EXPECT.LABEL.EXT. */
struct replay_case {
	char	step[16];
	long	status;
	char	expect[32];
};

/* What a step's outcome is called in file names. */
static const char *const outcomes[] = {
	[PROV_NEXT_REQUEST] = "next", [PROV_NEXT_DONE] = "done",
	[PROV_NEXT_FAIL] = NULL,	/* the error's code */
};

char *
replay_file_load(const char *dir, const char *file, size_t *len)
{
	char path[512], *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cr_assert_not_null(f = fopen(path, "rb"), "%s", path);
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	fclose(f);
	cr_assert_not_null(buf, "cannot read %s", path);
	return buf;
}

static enum prov_next
feed(struct prov_job *job, const char *dir, const char *file, long status)
{
	struct prov_reply r = { status, NULL, 0, -1 };
	enum prov_next n;
	char *body = replay_file_load(dir, file, &r.len);

	r.body = body;
	n = job->prov->step(job, &r);
	free(body);
	return n;
}

/* The outcome of replaying file (its case c) as the last of its steps. */
static const char *
replay_one(const struct provider *p, const char *dir, const char *file,
    const struct replay_case *c, const char *const *steps)
{
	struct prov_ctx ctx = { .base_url = "http://replay.invalid",
	    .api_key = "k", .default_model = p->default_model,
	    .poll_interval_ms = 1, .poll_timeout_ms = 60000,
	    .timeout_ms = 1000 };
	struct gen_params gp = { .prompt = "a red fox", .width = 1024,
	    .height = 768, .num_images = 1 };
	struct gen_output out;
	struct prov_job job;
	const char *got;
	enum prov_next n;
	char ok[64];
	size_t i;

	gen_output_init(&out);
	prov_job_init(&job, p, &ctx, &gp, &out);
	n = p->begin(&job);
	for (i = 0; steps[i] && strcmp(steps[i], c->step) != 0 &&
	    n == PROV_NEXT_REQUEST; i++) {
		snprintf(ok, sizeof(ok), "%s.200.next.ok.json", steps[i]);
		n = feed(&job, dir, ok, 200);
	}
	cr_assert_eq(n, PROV_NEXT_REQUEST, "%s: cannot reach step %s", file,
	    c->step);
	n = feed(&job, dir, file, c->status);
	got = outcomes[n] ? outcomes[n] : err_code(job.err);
	prov_job_fini(&job);
	gen_output_fini(&out);
	return got;
}

static const char *
replay_health(const struct provider *p, const char *dir, const char *file,
    long status)
{
	struct prov_reply r = { status, NULL, 0, -1 };
	char *body = replay_file_load(dir, file, &r.len);
	enum err e;

	r.body = body;
	e = p->health_check(&r);
	free(body);
	return e == ERR_OK ? "ok" : err_code(e);
}

size_t
replay_dir(const char *name, const char *dir, const char *const *steps)
{
	const struct provider *p = prov_registry_find(name);
	struct replay_case c;
	struct dirent *d;
	const char *got;
	size_t count = 0;
	DIR *dd;

	cr_assert_not_null(p, "%s", name);
	cr_assert_not_null(dd = opendir(dir), "%s", dir);
	while ((d = readdir(dd)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		memset(&c, 0, sizeof(c));
		cr_assert_eq(sscanf(d->d_name, "%15[^.].%ld.%31[^.].", c.step,
		    &c.status, c.expect), 3, "%s: not STEP.STATUS.EXPECT."
		    "LABEL.EXT", d->d_name);
		got = strcmp(c.step, "health") == 0 ? replay_health(p, dir,
		    d->d_name, c.status) : replay_one(p, dir, d->d_name, &c,
		    steps);
		cr_expect_str_eq(got, c.expect, "%s/%s", dir, d->d_name);
		count++;
	}
	closedir(dd);
	return count;
}
