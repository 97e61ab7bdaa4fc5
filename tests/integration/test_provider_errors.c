/*
 * tests/integration/test_provider_errors.c - each error mapping of the
 * provider adapters (lib/providers/, one file each) end to end: the
 * sandbox answers one provider's way (a fault, or a canned body), the
 * generation asks that provider alone, and the client gets the status
 * and code the mapping gives, its attempt carrying the same outcome.
 * Also: a provider's 400 moves on to the next provider at once.
 * Mappings that need an answer naming a job id the sandbox does not
 * know in advance (ComfyUI's execution error in its history) are in the
 * recorded replays (tests/unit/lib/providers/test_replay_*.c).
 * Not here: the error table itself (test_errors.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "tests/helpers/itest.h"

/* One mapping: provider (and the sandbox kind answering for it), the
 * fault or canned answer, the prompt, what the client must get, whether
 * the fault makes the provider unwell (its circuit must cool after). */
struct mapping {
	const char	*name;
	const char	*provider, *kind;
	const char	*fault;
	const char	*prompt;
	long		 status;
	const char	*code;
	bool		 unwell;
	const char	*path, *body;	/* a canned answer there, or NULL */
};

/* Canned answers (the body fault): path, body. */
#define GEMINI_B64	":generateContent", "{\"candidates\":[{\"content\":" \
	"{\"parts\":[{\"inlineData\":{\"mimeType\":\"image/png\"," \
	"\"data\":\"@@ not base64 @@\"}}]},\"finishReason\":\"STOP\"}]}"
#define RUNWARE_ERRORS	"/v1", "{\"data\":[],\"errors\":[{\"code\":" \
	"\"invalidModel\",\"message\":\"no such model\"}]}"
#define RUNWARE_KEY_200	"/v1", "{\"data\":[],\"errors\":[{\"code\":" \
	"\"invalidApiKey\",\"message\":\"Invalid API key\"}]}"
#define RUNWARE_NONE	"/v1", "{\"data\":[]}"
#define LEO_POLL	"/generations/"

static const struct mapping maps[] = {
	/* lib/providers/common.c status_map, through Runware */
	{ "400", "runware_ai", "runware", "{\"status\":400}", NULL, 502,
	    "invalid_request", false, NULL, NULL },
	{ "401", "runware_ai", "runware", "{\"status\":401}", NULL, 502,
	    "auth_failed", false, NULL, NULL },
	{ "402", "runware_ai", "runware", "{\"status\":402}", NULL, 502,
	    "auth_failed", false, NULL, NULL },
	{ "403", "runware_ai", "runware", "{\"status\":403}", NULL, 502,
	    "auth_failed", false, NULL, NULL },
	{ "404", "runware_ai", "runware", "{\"status\":404}", NULL, 502,
	    "invalid_request", false, NULL, NULL },
	{ "408", "runware_ai", "runware", "{\"status\":408}", NULL, 504,
	    "timeout", true, NULL, NULL },
	{ "409", "runware_ai", "runware", "{\"status\":409}", NULL, 502,
	    "invalid_request", false, NULL, NULL },
	{ "413", "runware_ai", "runware", "{\"status\":413}", NULL, 502,
	    "invalid_request", false, NULL, NULL },
	{ "422", "runware_ai", "runware", "{\"status\":422}", NULL, 502,
	    "invalid_request", false, NULL, NULL },
	{ "429", "runware_ai", "runware", "{\"status\":429}", NULL, 429,
	    "rate_limited", true, NULL, NULL },
	{ "500", "runware_ai", "runware", "{\"status\":500}", NULL, 503,
	    "provider_unavailable", true, NULL, NULL },
	{ "418, in no row", "runware_ai", "runware", "{\"status\":418}", NULL,
	    502, "bad_response", true, NULL, NULL },
	{ "200 not JSON", "runware_ai", "runware", "{\"malformed\":true}", NULL,
	    502, "bad_response", true, NULL, NULL },
	/* Runware: errors[] in a 200, its codes, no result for our task */
	{ "runware 200 with errors[]", "runware_ai", "runware", NULL, NULL, 502,
	    "invalid_request", false, RUNWARE_ERRORS },
	{ "runware 200 with invalidApiKey", "runware_ai", "runware", NULL, NULL,
	    502, "auth_failed", false, RUNWARE_KEY_200 },
	{ "runware 401 invalidApiKey", "runware_ai", "runware",
	    "{\"wrong_auth\":true}", NULL, 502, "auth_failed", false, NULL,
	    NULL },
	{ "runware 200 without our task", "runware_ai", "runware", NULL, NULL,
	    502, "no_image", false, RUNWARE_NONE },
	/* Gemini: ErrorInfo reason, blockReason, finishReason, inlineData */
	{ "gemini 400 API_KEY_INVALID", "gemini", "gemini",
	    "{\"wrong_auth\":true}", NULL, 502, "auth_failed", false, NULL,
	    NULL },
	{ "gemini blockReason", "gemini", "gemini", NULL, "BLOCKME", 422,
	    "content_blocked", false, NULL, NULL },
	{ "gemini finishReason SAFETY", "gemini", "gemini",
	    "{\"finish_reason\":\"SAFETY\"}", NULL, 422, "content_blocked",
	    false, NULL, NULL },
	{ "gemini finishReason MAX_TOKENS", "gemini", "gemini",
	    "{\"finish_reason\":\"MAX_TOKENS\"}", NULL, 502, "no_image",
	    false, NULL, NULL },
	{ "gemini text only", "gemini", "gemini", NULL, "TEXTONLY", 502,
	    "no_image", false, NULL, NULL },
	{ "gemini inlineData not base64", "gemini", "gemini", NULL, NULL, 502,
	    "bad_response", true, GEMINI_B64 },
	/* Leonardo: the hook's 500, the poll's answers */
	{ "leonardo hook 500 (a key not a UUID)", "leonardo_ai", "leonardo",
	    "{\"key\":\"not-a-uuid\"}", NULL, 502, "auth_failed", false,
	    NULL, NULL },
	{ "leonardo poll without generations_by_pk", "leonardo_ai", "leonardo",
	    NULL, NULL, 502, "bad_response", true, LEO_POLL, "{}" },
	{ "leonardo poll FAILED", "leonardo_ai", "leonardo", NULL, NULL, 503,
	    "provider_unavailable", true, LEO_POLL, "{\"generations_by_pk\":"
	    "{\"status\":\"FAILED\"}}" },
	{ "leonardo COMPLETE without images", "leonardo_ai", "leonardo", NULL,
	    NULL, 502, "no_image", false, LEO_POLL, "{\"generations_by_pk\":"
	    "{\"status\":\"COMPLETE\",\"generated_images\":[]}}" },
	/* ComfyUI: node_errors of our output, a 400, no outputs */
	{ "comfyui node_errors of our output", "comfyui", "comfyui",
	    "{\"node_errors\":\"9\"}", NULL, 502, "invalid_request", false,
	    NULL, NULL },
	{ "comfyui 400", "comfyui", "comfyui", "{\"status\":400,\"path\":"
	    "\"/prompt\"}", NULL, 502, "invalid_request", false, NULL, NULL },
	{ "comfyui finished without images", "comfyui", "comfyui",
	    "{\"no_outputs\":true}", NULL, 502, "no_image", false, NULL,
	    NULL },
};

#define NMAPS	(sizeof(maps) / sizeof(maps[0]))

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

/* POST /unified/generate of provider alone (fallback off). */
static void
generate_alone(struct itest_res *r, const char *provider, const char *prompt)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"prompt\":\"%s\",\"provider\":\"%s\","
	    "\"fallback\":false,\"width\":512,\"height\":512}", prompt ? prompt :
	    "a lighthouse at night", provider);
	itest_call(r, "POST", "/unified/generate", json_h, body, (size_t)-1);
}

/* The sandbox of kind answers body (JSON text) on paths containing
 * path. */
static void
canned_answer(const char *kind, const char *path, const char *body)
{
	json_t *f = json_pack("{s:s,s:s}", "path", path, "body", body);
	char *t = json_dumps(f, JSON_COMPACT);

	cr_assert_not_null(t);
	itest_fault(kind, t);
	free(t);
	json_decref(f);
}

TestSuite(provider_errors, .init = itest_faults_reset,
    .fini = itest_faults_reset);

ParameterizedTestParameters(provider_errors, mapping)
{
	static size_t idx[NMAPS];
	size_t i;

	for (i = 0; i < NMAPS; i++)
		idx[i] = i;
	return cr_make_param_array(size_t, idx, NMAPS);
}

ParameterizedTest(size_t *i, provider_errors, mapping, .timeout = 60)
{
	const struct mapping *m = &maps[*i];
	struct itest_res r;
	json_t *a;

	if (m->fault != NULL)
		itest_fault(m->kind, m->fault);
	if (m->body != NULL)
		canned_answer(m->kind, m->path, m->body);
	generate_alone(&r, m->provider, m->prompt);
	if (m->unwell)
		itest_faults_clear();	/* the circuit it opened cools */
	cr_assert_eq(r.status, m->status, "%s: %ld %s", m->name, r.status,
	    r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), m->code, "%s: %s",
	    m->name, r.body);
	a = itest_attempts(&r);
	cr_assert_gt(json_array_size(a), 0, "%s: %s", m->name, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a,
	    0), "provider")), m->provider, "%s: %s", m->name, r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a,
	    0), "outcome")), m->code, "%s: %s", m->name, r.body);
	itest_res_fini(&r);
}

/* A provider that keeps its job pending past POLL_TIMEOUT_S (5 s in
 * tests) times out; polls were answered, no image was fetched. */
static void
poll_times_out(const char *provider, const char *kind, const char *poll,
    const char *fetch)
{
	struct itest_res r;

	itest_sandbox_forget(kind);
	itest_fault(kind, "{\"pending_polls\":100000}");
	generate_alone(&r, provider, NULL);
	itest_faults_clear();
	cr_assert_eq(r.status, 504, "%s", r.body);
	cr_assert_str_eq(itest_str(&r, "error.code"), "timeout", "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    itest_attempts(&r), 0), "outcome")), "timeout", "%s", r.body);
	cr_assert_gt(itest_sandbox_count(kind, "GET", poll), 1, "%s", poll);
	cr_assert_eq(itest_sandbox_count(kind, "GET", fetch), 0, "%s", fetch);
	itest_res_fini(&r);
}

Test(provider_errors, comfyui_poll_times_out, .timeout = 90)
{
	poll_times_out("comfyui", "comfyui", "/history/", "/view");
}

Test(provider_errors, leonardo_poll_times_out, .timeout = 90)
{
	poll_times_out("leonardo_ai", "leonardo", "/api/rest/v1/generations/",
	    "/img/");
}

/* A provider's 400 (the request, not the provider, is at fault there):
 * the next provider at once, no second try of the first. */
Test(provider_errors, fallback_after_a_provider_400, .timeout = 60)
{
	struct itest_res r;
	json_t *a;

	itest_sandbox_forget("runware");
	itest_fault("runware", "{\"status\":400}");
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":"
	    "\"a lighthouse\",\"provider\":\"runware_ai\",\"width\":512,"
	    "\"height\":512}", (size_t)-1);
	cr_assert_eq(r.status, 200, "%s", r.body);
	cr_assert_str_neq(itest_str(&r, "provider"), "runware_ai");
	a = itest_attempts(&r);
	cr_assert_eq(json_array_size(a), 2, "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0),
	    "provider")), "runware_ai");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 0),
	    "outcome")), "invalid_request");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(a, 1),
	    "outcome")), "ok");
	cr_assert_eq(itest_sandbox_count("runware", "POST", "/v1"), 1);
	itest_res_fini(&r);
}
