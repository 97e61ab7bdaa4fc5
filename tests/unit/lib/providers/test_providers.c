/*
 * tests/unit/lib/providers/test_providers.c - the four state machines
 * with canned replies (no network): the requests they build, the replies
 * they accept, every error status mapped, polling time-outs, size rules,
 * blocked and text-only answers.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/core/b64.h"
#include "lib/core/timeutil.h"
#include "lib/providers/common.h"
#include "lib/providers/registry.h"

static struct config cfg;
static struct prov_ctx ctx;
static struct gen_params gp;
static struct gen_output out;
static struct prov_job job;

static void
setup(void)
{
	setenv("LEONARDO_API_KEY", "k-leo", 1);
	setenv("RUNWARE_API_KEY", "k-run", 1);
	setenv("GEMINI_API_KEY", "k-gem", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, (char[256]){ 0 }, 256), ERR_OK);
	memset(&gp, 0, sizeof(gp));
	gp.prompt = "a red fox";
	gp.width = 1024;
	gp.height = 768;
	gp.num_images = 1;
	gen_output_init(&out);
}

static void
teardown(void)
{
	prov_job_fini(&job);
	gen_output_fini(&out);
	cfg_fini(&cfg);
}

TestSuite(providers, .init = setup, .fini = teardown);

static enum prov_next
start(const char *name)
{
	const struct provider *p = prov_registry_find(name);

	cr_assert_not_null(p, "%s", name);
	gen_output_fini(&out);		/* each job starts clean */
	gen_output_init(&out);
	p->ctx_init(&cfg, &ctx);
	prov_job_init(&job, p, &ctx, &gp, &out);
	return p->begin(&job);
}

static enum prov_next
reply(long status, const char *body)
{
	struct prov_reply r = { status, body, strlen(body), -1 };

	return job.prov->step(&job, &r);
}

static json_t *
req_body(void)
{
	return json_loads(job.req.body, 0, NULL);
}

static bool
has_header(const char *h)
{
	size_t i;

	for (i = 0; job.req.headers[i]; i++)
		if (strcmp(job.req.headers[i], h) == 0)
			return true;
	return false;
}

Test(providers, leonardo_create_poll_complete)
{
	json_t *b;

	gp.negative_prompt = "blurry";
	gp.has_seed = true;
	gp.seed = 42;
	gp.style = "photo";
	cr_assert_eq(start("leonardo_ai"), PROV_NEXT_REQUEST);
	cr_assert_str_eq(job.req.method, "POST");
	cr_assert(strstr(job.req.url, "/generations") != NULL);
	cr_assert(has_header("Authorization: Bearer k-leo"));
	b = req_body();
	cr_assert_str_eq(json_string_value(json_object_get(b, "modelId")),
	    "aa77f04e-3eec-4034-9c07-d0f619684628");
	cr_assert_str_eq(json_string_value(json_object_get(b, "presetStyle")),
	    "PHOTOGRAPHY");
	cr_assert(json_is_true(json_object_get(b, "alchemy")));
	cr_assert_eq(json_integer_value(json_object_get(b, "seed")), 42);
	json_decref(b);
	cr_assert_eq(reply(200, "{\"sdGenerationJob\":{\"generationId\":"
	    "\"g1\"}}"), PROV_NEXT_REQUEST);
	cr_assert(strstr(job.req.url, "/generations/g1") != NULL);
	cr_assert_eq(job.req.delay_ms, cfg.poll_interval_ms);
	cr_assert_eq(reply(200, "{\"generations_by_pk\":{\"status\":\"PENDING\","
	    "\"generated_images\":[]}}"), PROV_NEXT_REQUEST);
	cr_assert_eq(reply(200, "{\"generations_by_pk\":{\"status\":\"COMPLETE\","
	    "\"generated_images\":[{\"id\":\"i1\",\"url\":\"https://cdn.leonardo"
	    ".ai/x.jpg\"}]}}"), PROV_NEXT_DONE);
	cr_assert_eq(out.nimages, 1);
	cr_assert_str_eq(out.images[0].url, "https://cdn.leonardo.ai/x.jpg");
	cr_assert_str_eq(out.provider_job_id, "g1");
}

Test(providers, leonardo_failures)
{
	start("leonardo_ai");
	cr_assert_eq(reply(401, "{\"error\":\"bad key\"}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_AUTH);
	cr_assert(strstr(out.error, "bad key") != NULL, "%s", out.error);
	prov_job_fini(&job);
	start("leonardo_ai");
	reply(200, "{\"sdGenerationJob\":{\"generationId\":\"g1\"}}");
	cr_assert_eq(reply(200, "{\"generations_by_pk\":{\"status\":\"FAILED\"}}"),
	    PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_UNAVAILABLE);
	prov_job_fini(&job);
	start("leonardo_ai");
	reply(200, "{\"sdGenerationJob\":{\"generationId\":\"g1\"}}");
	cr_assert_eq(reply(200, "{\"generations_by_pk\":{\"status\":\"COMPLETE\","
	    "\"generated_images\":[]}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_NO_IMAGE);
	prov_job_fini(&job);
	gp.style = "watercolour";
	cr_assert_eq(start("leonardo_ai"), PROV_NEXT_FAIL, "unknown style");
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
}

/* shared/providers/leonardo.md, "Checked against public sources". */
Test(providers, leonardo_alchemy_only_with_a_style_that_needs_it)
{
	static const struct { const char *style, *preset; bool alchemy; } t[] = {
		{ "none", "NONE", false }, { "leonardo", "LEONARDO", false },
		{ "ANIME", "ANIME", true }, { "render_3d", "RENDER_3D", true },
		{ NULL, NULL, false },
	};
	json_t *b;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		gp.style = t[i].style;
		cr_assert_eq(start("leonardo_ai"), PROV_NEXT_REQUEST);
		b = req_body();
		cr_assert_eq(json_is_true(json_object_get(b, "alchemy")),
		    t[i].alchemy, "%s", job.req.body);
		cr_assert_str_eq(t[i].preset ? t[i].preset : "(none)",
		    json_string_value(json_object_get(b, "presetStyle")) ?
		    json_string_value(json_object_get(b, "presetStyle")) :
		    "(none)");
		json_decref(b);
		prov_job_fini(&job);
	}
}

Test(providers, leonardo_at_most_4_images_above_768)
{
	gp.num_images = 5;
	gp.width = 768;
	gp.height = 768;
	cr_assert_eq(start("leonardo_ai"), PROV_NEXT_REQUEST);
	prov_job_fini(&job);
	gp.height = 776;
	cr_assert_eq(start("leonardo_ai"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
	cr_assert(strstr(out.error, "at most 4") != NULL, "%s", out.error);
}

/* A key that is not a UUID: 500 from the authorization hook. */
Test(providers, leonardo_hook_500_is_auth_not_outage)
{
	struct prov_reply r = { 500, "{\"error\":\"Invalid response from "
	    "authorization hook\",\"code\":\"unexpected\"}", 0, -1 };

	r.len = strlen(r.body);
	start("leonardo_ai");
	cr_assert_eq(job.prov->step(&job, &r), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_AUTH);
	cr_assert_eq(job.prov->health_check(&r), ERR_PROVIDER_AUTH);
	r.body = "{\"error\":\"something broke\",\"code\":\"unexpected\"}";
	r.len = strlen(r.body);
	cr_assert_eq(job.prov->health_check(&r), ERR_PROVIDER_UNAVAILABLE);
}

Test(providers, polling_times_out)
{
	start("leonardo_ai");
	reply(200, "{\"sdGenerationJob\":{\"generationId\":\"g1\"}}");
	job.started_ms = time_mono_ms() - cfg.poll_timeout_s * 1000 - 1;
	cr_assert_eq(reply(200, "{\"generations_by_pk\":{\"status\":"
	    "\"PENDING\"}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_TIMEOUT);
	cr_assert(strstr(out.error, "still not done") != NULL, "%s", out.error);
}

Test(providers, status_table)
{
	static const struct { long s; enum err e; } t[] = {
		{ 200, ERR_OK }, { 400, ERR_PROVIDER_INVALID },
		{ 401, ERR_PROVIDER_AUTH }, { 402, ERR_PROVIDER_AUTH },
		{ 403, ERR_PROVIDER_AUTH }, { 404, ERR_PROVIDER_INVALID },
		{ 408, ERR_TIMEOUT }, { 422, ERR_PROVIDER_INVALID },
		{ 429, ERR_RATE_LIMITED }, { 500, ERR_PROVIDER_UNAVAILABLE },
		{ 503, ERR_PROVIDER_UNAVAILABLE }, { 302, ERR_BAD_RESPONSE },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_assert_eq(prov_status_err(t[i].s), t[i].e, "%ld", t[i].s);
}

Test(providers, runware_rounds_sizes_and_matches_task)
{
	json_t *b, *t;
	char body[512];

	gp.width = 500;
	gp.height = 3000;
	cr_assert_eq(start("runware_ai"), PROV_NEXT_REQUEST);
	b = req_body();
	t = json_array_get(b, 0);
	cr_assert_eq(json_integer_value(json_object_get(t, "width")), 512);
	cr_assert_eq(json_integer_value(json_object_get(t, "height")), 2048);
	cr_assert_not_null(json_object_get(out.meta, "size_adjusted"));
	snprintf(body, sizeof(body), "{\"data\":[{\"taskUUID\":\"%s\","
	    "\"imageUUID\":\"u\",\"imageURL\":\"https://im.runware.ai/a.png\"},"
	    "{\"taskUUID\":\"other\",\"imageURL\":\"https://x/b.png\"}]}",
	    json_string_value(json_object_get(t, "taskUUID")));
	json_decref(b);
	cr_assert_eq(reply(200, body), PROV_NEXT_DONE);
	cr_assert_eq(out.nimages, 1, "only the matching task");
}

Test(providers, runware_errors_array)
{
	start("runware_ai");
	cr_assert_eq(reply(400, "{\"errors\":[{\"code\":\"invalidPositivePrompt\""
	    ",\"message\":\"too short\"}]}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
	cr_assert(strstr(out.error, "too short") != NULL);
	prov_job_fini(&job);
	start("runware_ai");
	cr_assert_eq(reply(200, "{not json"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_BAD_RESPONSE);
}

Test(providers, gemini_ratio_blocked_text_and_images)
{
	char *b64 = b64_encode((const unsigned char *)"\x89PNG", 4), body[512];
	json_t *b;

	gp.width = 1920;
	gp.height = 1080;
	gp.num_images = 2;
	cr_assert_eq(start("gemini"), PROV_NEXT_REQUEST);
	cr_assert(has_header("x-goog-api-key: k-gem"));
	b = req_body();
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(b, "generationConfig"), "imageConfig"),
	    "aspectRatio")), "16:9");
	json_decref(b);
	snprintf(body, sizeof(body), "{\"candidates\":[{\"content\":{\"parts\":"
	    "[{\"text\":\"hi\"},{\"inlineData\":{\"mimeType\":\"image/png\","
	    "\"data\":\"%s\"}}]},\"finishReason\":\"STOP\"}]}", b64);
	cr_assert_eq(reply(200, body), PROV_NEXT_REQUEST, "second image");
	cr_assert_eq(reply(200, body), PROV_NEXT_DONE);
	cr_assert_eq(out.nimages, 2);
	cr_assert_eq(out.images[0].len, 4);
	cr_assert(json_is_true(json_object_get(out.meta, "synthid")));
	prov_job_fini(&job);
	start("gemini");
	cr_assert_eq(reply(200, "{\"promptFeedback\":{\"blockReason\":"
	    "\"SAFETY\"}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_CONTENT_BLOCKED);
	prov_job_fini(&job);
	start("gemini");
	cr_assert_eq(reply(200, "{\"candidates\":[{\"content\":{\"parts\":"
	    "[{\"text\":\"only words\"}]},\"finishReason\":\"STOP\"}]}"),
	    PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_NO_IMAGE);
	prov_job_fini(&job);
	start("gemini");
	cr_assert_eq(reply(429, "{\"error\":{\"code\":429,\"status\":"
	    "\"RESOURCE_EXHAUSTED\",\"details\":[{\"retryDelay\":\"12s\"}]}}"),
	    PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_RATE_LIMITED);
	cr_assert_eq(out.retry_after_s, 12);
	free(b64);
}

Test(providers, gemini_unsupported_explicit_ratio)
{
	gp.aspect_ratio = "7:3";
	cr_assert_eq(start("gemini"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
}

Test(providers, comfyui_workflow_history_view)
{
	json_t *b, *wf;

	gp.has_seed = true;
	gp.seed = 7;
	cr_assert_eq(start("comfyui"), PROV_NEXT_REQUEST);
	b = req_body();
	wf = json_object_get(b, "prompt");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(wf, "4"), "inputs"), "text")), "a red fox");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(wf, "7"), "inputs"), "seed")), 7);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(wf, "6"), "inputs"), "height")), 768);
	json_decref(b);
	cr_assert_eq(reply(200, "{\"prompt_id\":\"p1\",\"node_errors\":{}}"),
	    PROV_NEXT_REQUEST);
	cr_assert_eq(reply(200, "{}"), PROV_NEXT_REQUEST, "still queued");
	cr_assert_eq(reply(200, "{\"p1\":{\"status\":{\"status_str\":"
	    "\"success\"},\"outputs\":{\"9\":{\"images\":[{\"filename\":"
	    "\"a b.png\",\"subfolder\":\"\",\"type\":\"output\"}]}}}}"),
	    PROV_NEXT_DONE);
	cr_assert(strstr(out.images[0].url, "/view?filename=a%20b.png&"
	    "subfolder=&type=output") != NULL, "%s", out.images[0].url);
}

Test(providers, comfyui_node_errors_and_execution_error)
{
	start("comfyui");
	cr_assert_eq(reply(400, "{\"error\":{\"type\":\"prompt_outputs_failed_"
	    "validation\"},\"node_errors\":{\"6\":{}}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
	prov_job_fini(&job);
	start("comfyui");
	reply(200, "{\"prompt_id\":\"p1\",\"node_errors\":{}}");
	cr_assert_eq(reply(200, "{\"p1\":{\"status\":{\"status_str\":\"error\","
	    "\"messages\":[[\"execution_error\",{}]]}}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_UNAVAILABLE);
}

/* A 200 may carry node_errors for outputs other than ours (they were not
 * queued, ours was): fail only when ours is among them (comfyui.md). */
Test(providers, comfyui_node_errors_of_other_outputs)
{
	start("comfyui");
	cr_assert_eq(reply(200, "{\"prompt_id\":\"p1\",\"number\":1,"
	    "\"node_errors\":{\"12\":{\"errors\":[{\"type\":"
	    "\"value_not_valid\"}],\"dependent_outputs\":[\"12\"],"
	    "\"class_type\":\"PreviewImage\"}}}"), PROV_NEXT_REQUEST);
	cr_assert(strstr(job.req.url, "/history/p1") != NULL);
	cr_assert_eq(reply(200, "{\"p1\":{\"status\":{\"status_str\":"
	    "\"success\"},\"outputs\":{\"12\":{\"images\":[{\"filename\":"
	    "\"preview.png\",\"type\":\"temp\"}]},\"9\":{\"images\":[{"
	    "\"filename\":\"ours.png\",\"subfolder\":\"\",\"type\":"
	    "\"output\"}]}}}}"), PROV_NEXT_DONE);
	cr_assert_eq(out.nimages, 1, "only our output node's images");
	cr_assert(strstr(out.images[0].url, "ours.png") != NULL);
	prov_job_fini(&job);
	start("comfyui");
	cr_assert_eq(reply(200, "{\"prompt_id\":\"p2\",\"node_errors\":{"
	    "\"3\":{\"errors\":[],\"dependent_outputs\":[\"9\"],"
	    "\"class_type\":\"VAELoader\"}}}"), PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
	cr_assert(strstr(out.error, "output node 9") != NULL, "%s", out.error);
	prov_job_fini(&job);
	start("comfyui");
	cr_assert_eq(reply(200, "{\"prompt_id\":\"p3\",\"node_errors\":{"
	    "\"9\":{\"errors\":[],\"class_type\":\"SaveImage\"}}}"),
	    PROV_NEXT_FAIL);
	cr_assert_eq(job.err, ERR_PROVIDER_INVALID);
}

Test(providers, registry_and_configuration)
{
	cr_assert_eq(prov_registry_count, 4);
	cr_assert_null(prov_registry_find("dalle"));
	cr_assert_null(prov_registry_find("gemini")->unconfigured(&cfg));
	cfg.gemini_api_key[0] = '\0';
	cr_assert_str_eq(prov_registry_find("gemini")->unconfigured(&cfg),
	    "GEMINI_API_KEY is not set");
}
