/*
 * tests/unit/lib/providers/test_mappings.c - the provider error mappings
 * the recorded replays cannot reach: every row of common.c's status table
 * and its edges (each status of a range, one past it), and ComfyUI's poll
 * time-out (a history that never names the job).
 * Not here: recorded answers (test_replay_*.c), the end-to-end answers
 * (tests/integration/test_provider_errors.c).
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/providers/common.h"
#include "lib/providers/registry.h"

/* Every status from 100 to 599: the table's answer. */
static enum err
status_want(long s)
{
	if (s >= 200 && s <= 299)
		return ERR_OK;
	if (s == 400 || s == 404 || s == 409 || s == 413 || s == 422)
		return ERR_PROVIDER_INVALID;
	if (s >= 401 && s <= 403)
		return ERR_PROVIDER_AUTH;	/* 402: credits spent */
	if (s == 408)
		return ERR_TIMEOUT;
	if (s == 429)
		return ERR_RATE_LIMITED;
	if (s >= 500 && s <= 599)
		return ERR_PROVIDER_UNAVAILABLE;
	return ERR_BAD_RESPONSE;	/* 1xx, 3xx, 405, 410, 418, 600 ... */
}

Test(mappings, every_status)
{
	long s;

	for (s = 100; s <= 600; s++)
		cr_expect_eq(prov_status_err(s), status_want(s), "HTTP %ld: "
		    "%s, want %s", s, err_code(prov_status_err(s)),
		    err_code(status_want(s)));
	cr_expect_eq(prov_status_err(0), ERR_BAD_RESPONSE, "no status");
}

Test(mappings, comfyui_poll_times_out)
{
	const struct provider *p = prov_registry_find("comfyui");
	struct gen_params gp = { .prompt = "a red fox", .width = 512,
	    .height = 512, .num_images = 1 };
	struct prov_reply queued = { 200, "{\"prompt_id\":\"p1\","
	    "\"node_errors\":{}}", 0, -1 }, none = { 200, "{}", 2, -1 };
	struct gen_output out;
	struct prov_ctx ctx;
	struct prov_job job;
	struct config cfg;

	setenv("COMFYUI_URL", "http://127.0.0.1:8188", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, (char[256]){ 0 }, 256), ERR_OK);
	cr_assert_not_null(p);
	gen_output_init(&out);
	p->ctx_init(&cfg, &ctx);
	prov_job_init(&job, p, &ctx, &gp, &out);
	queued.len = strlen(queued.body);
	cr_assert_eq(p->begin(&job), PROV_NEXT_REQUEST);
	cr_assert_eq(p->step(&job, &queued), PROV_NEXT_REQUEST);
	cr_assert_eq(p->step(&job, &none), PROV_NEXT_REQUEST, "still queued");
	job.started_ms = time_mono_ms() - ctx.poll_timeout_ms - 1;
	cr_assert_eq(p->step(&job, &none), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_TIMEOUT, "%s", err_code(job.err));
	cr_assert(strstr(out.error, "still not done") != NULL, "%s", out.error);
	prov_job_fini(&job);
	gen_output_fini(&out);
	cfg_fini(&cfg);
}
