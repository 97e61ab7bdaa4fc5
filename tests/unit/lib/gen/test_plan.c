/*
 * tests/unit/lib/providers/test_plan.c - candidate order: explicit first,
 * capabilities, limits, configuration, circuit, rate, priority, weights.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "lib/gen/plan.h"
#include "lib/providers/registry.h"

static const char *
needs_key(const struct config *cfg)
{
	return cfg->gemini_api_key[0] ? NULL : "GEMINI_API_KEY is not set";
}

static const struct provider pa = { .name = "alpha", .caps = PROV_SEED |
    PROV_NEGATIVE_PROMPT | PROV_CUSTOM_SIZE, .limits = { 1500, 32, 1536, 8, 8 } };
static const struct provider pb = { .name = "beta", .caps = PROV_SEED |
    PROV_CUSTOM_SIZE, .limits = { 3000, 128, 2048, 64, 4 } };
static const struct provider pc = { .name = "gamma", .caps = 0,
    .limits = { 5000, 0, 0, 1, 1 } };
static const struct provider pd = { .name = "delta", .caps = PROV_SEED,
    .limits = { 5000, 0, 0, 1, 4 }, .unconfigured = needs_key };
static const struct provider *const provs[] = { &pa, &pb, &pc, &pd };

static struct config cfg;
static struct db_provider_config pcs[4];
static struct gen_params gp;
static struct plan_input in;
static struct plan pl;
static char why[256];

static void
setup(void)
{
	static const char *names[] = { "alpha", "beta", "gamma", "delta" };
	int i;

	cr_assert_eq(cfg_defaults(&cfg), ERR_OK);
	for (i = 0; i < 4; i++) {
		memset(&pcs[i], 0, sizeof(pcs[i]));
		strcpy(pcs[i].provider, names[i]);
		pcs[i].enabled = true;
		pcs[i].priority = 10;
		pcs[i].weight = 1;
	}
	memset(&gp, 0, sizeof(gp));
	gp.prompt = "a fox";
	gp.num_images = 1;
	in = (struct plan_input){ .provs = provs, .nprovs = 4, .cfg = &cfg,
	    .pcs = pcs, .npcs = 4, .params = &gp, .fallback = true,
	    .seed = 1, .now_ms = 1000000 };
}

static void
teardown(void)
{
	cfg_fini(&cfg);
}

TestSuite(plan, .init = setup, .fini = teardown);

static const struct plan_entry *
entry(const char *name)
{
	size_t i;

	for (i = 0; i < pl.n; i++)
		if (strcmp(pl.v[i].prov->name, name) == 0)
			return &pl.v[i];
	cr_assert_fail("no entry %s", name);
	return NULL;
}

Test(plan, unconfigured_is_skipped_with_reason)
{
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_eq(pl.nkept, 3);
	cr_assert_not(entry("delta")->kept);
	cr_assert(strstr(entry("delta")->reason, "GEMINI_API_KEY") != NULL);
	cr_assert_eq(pl.n, 4);
}

Test(plan, explicit_provider_is_first)
{
	in.requested = "gamma";
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_str_eq(pl.v[0].prov->name, "gamma");
	cr_assert_str_eq(pl.v[0].reason, "requested");
	cr_assert_eq(pl.nkept, 3);
}

Test(plan, no_fallback_keeps_only_the_explicit_one)
{
	in.requested = "beta";
	in.fallback = false;
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_eq(pl.nkept, 1);
	cr_assert_str_eq(pl.v[0].prov->name, "beta");
}

Test(plan, unknown_provider_is_an_error)
{
	in.requested = "nope";
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_INVALID_FIELD);
	cr_assert(strstr(why, "\"alpha\"") != NULL, "%s", why);
}

Test(plan, capabilities_and_limits)
{
	gp.negative_prompt = "blurry";
	gp.num_images = 2;
	gp.width = 1600;
	gp.height = 1600;
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_not(entry("alpha")->kept);
	cr_assert(strstr(entry("alpha")->reason, "1600x1600") != NULL);
	cr_assert_not(entry("beta")->kept);
	cr_assert_str_eq(entry("beta")->reason, "cannot do negative_prompt");
	cr_assert_not(entry("gamma")->kept);
	cr_assert_str_eq(entry("gamma")->reason, "cannot do negative_prompt");
	cr_assert_eq(pl.nkept, 0);
	gp.negative_prompt = NULL;
	gp.width = gp.height = 0;
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert(strstr(entry("gamma")->reason, "at most 1 images") != NULL,
	    "%s", entry("gamma")->reason);
	cr_assert_eq(pl.nkept, 2);
}

Test(plan, priority_then_disabled)
{
	pcs[1].priority = 1;
	pcs[0].enabled = false;
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_str_eq(pl.v[0].prov->name, "beta");
	cr_assert_str_eq(entry("alpha")->reason, "disabled in provider_configs");
}

Test(plan, prompt_limit_is_the_smaller_of_provider_and_target)
{
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_eq(entry("alpha")->prompt_limit, 1500);
	cr_assert_eq(entry("gamma")->prompt_limit, 3000);
}

Test(plan, weights_spread_first_choice)
{
	int count[3] = { 0, 0, 0 }, i;

	pcs[0].weight = 6;
	pcs[1].weight = 3;
	pcs[2].weight = 1;
	for (i = 0; i < 10000; i++) {
		in.seed = (uint64_t)i * 7919 + 1;
		cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
		count[pl.v[0].prov == &pa ? 0 : pl.v[0].prov == &pb ? 1 : 2]++;
	}
	cr_assert(count[0] > 5600 && count[0] < 6400, "%d", count[0]);
	cr_assert(count[1] > 2600 && count[1] < 3400, "%d", count[1]);
	cr_assert(count[2] > 750 && count[2] < 1250, "%d", count[2]);
}

Test(plan, open_circuit_and_spent_rate_are_skipped)
{
	struct circuit_shm *cs = circuit_shm_new();
	int64_t at;

	in.circuits = cs;
	circuit_record(cs, "alpha", false, 1, 30000, in.now_ms);
	pcs[1].rate_per_min = 1;
	cr_assert(circuit_rate_take(cs, "beta", 1, in.now_ms, &at));
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_not(entry("alpha")->kept);
	cr_assert(strstr(entry("alpha")->reason, "circuit open") != NULL);
	cr_assert_not(entry("beta")->kept);
	cr_assert(strstr(entry("beta")->reason, "rate limit") != NULL);
	cr_assert_eq(pl.nkept, 1);
	circuit_shm_free(cs);
}

Test(plan, earliest_retry_when_all_cool_down)
{
	struct circuit_shm *cs = circuit_shm_new();

	in.circuits = cs;
	in.requested = "alpha";
	in.fallback = false;
	circuit_record(cs, "alpha", false, 1, 5000, in.now_ms);
	cr_assert_eq(plan_build(&in, &pl, why, sizeof(why)), ERR_OK);
	cr_assert_eq(pl.nkept, 0);
	cr_assert_eq(pl.earliest_retry_ms, in.now_ms + 5000);
	circuit_shm_free(cs);
}

/* A model a provider does not list in its *_MODELS: 422 for the one
 * asked for (or for "auto" when none lists it); others are skipped. */
Test(plan, model_must_be_on_the_provider_list)
{
	struct plan_input r = in;
	char **keys[] = { &cfg.gemini_api_key, &cfg.leonardo_api_key,
	    &cfg.runware_api_key };
	size_t i;

	for (i = 0; i < 3; i++) {	/* configured (cfg_fini frees them) */
		free(*keys[i]);
		*keys[i] = strdup("k");
	}
	r.pcs = NULL;
	r.npcs = 0;
	r.provs = prov_registry;
	r.nprovs = prov_registry_count;
	gp.model = "gemini-2.5-flash-image";
	r.requested = "gemini";
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_str_eq(pl.v[0].prov->name, "gemini");
	cr_assert_not(pl.v[pl.n - 1].kept);
	cr_assert(strstr(pl.v[pl.n - 1].reason, "model") != NULL, "%s",
	    pl.v[pl.n - 1].reason);
	gp.model = "gemini-1.0-pro";
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)),
	    ERR_MODEL_NOT_ALLOWED);
	cr_assert(strstr(why, "gemini-2.5-flash-image") != NULL, "%s", why);
	r.requested = "auto";
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)),
	    ERR_MODEL_NOT_ALLOWED);
	gp.model = "runware:100@1";
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)), ERR_OK, "%s", why);
	r.requested = "leonardo_ai";
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)),
	    ERR_MODEL_NOT_ALLOWED);
	gp.model = NULL;
	cr_assert_eq(plan_build(&r, &pl, why, sizeof(why)), ERR_OK, "%s", why);
}
