/*
 * tests/unit/lib/providers/test_genreq.c - generation request fields.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "lib/gen/genreq.h"

static struct genreq g;
static char why[256];

static enum err
parse(const char *text, bool quick)
{
	static json_t *b;

	json_decref(b);
	cr_assert_not_null(b = json_loads(text, 0, NULL), "%s", text);
	return genreq_parse(b, quick, &g, why, sizeof(why));
}

Test(genreq, defaults)
{
	cr_assert_eq(parse("{\"prompt\":\"a fox\"}", false), ERR_OK, "%s", why);
	cr_assert_str_eq(g.params.prompt, "a fox");
	cr_assert_str_eq(g.provider, "auto");
	cr_assert_str_eq(g.project_id, "default");
	cr_assert(g.fallback);
	cr_assert_eq(g.params.num_images, 1);
	cr_assert_eq(g.params.width, 1024);
	cr_assert_eq(g.params.height, 1024);
	cr_assert_not(g.params.has_seed);
	cr_assert_not(g.size_given);
}

Test(genreq, every_field)
{
	cr_assert_eq(parse("{\"prompt\":\"p\",\"negative_prompt\":\"n\","
	    "\"provider\":\"gemini\",\"fallback\":false,\"width\":768,"
	    "\"height\":512,\"num_images\":4,\"seed\":42,\"model\":"
	    "\"runware:101@1\",\"style\":\"anime\",\"project_id\":"
	    "\"my-proj-1\"}", false), ERR_OK, "%s", why);
	cr_assert_eq(g.params.width, 768);
	cr_assert_eq(g.params.seed, 42);
	cr_assert(g.params.has_seed);
	cr_assert_not(g.fallback);
	cr_assert_str_eq(g.params.model, "runware:101@1");
}

Test(genreq, aspect_ratio_gives_a_size)
{
	cr_assert_eq(parse("{\"prompt\":\"p\",\"aspect_ratio\":\"16:9\"}",
	    false), ERR_OK, "%s", why);
	cr_assert_eq(g.params.width, 1024);
	cr_assert_eq(g.params.height, 576);
	cr_assert(g.size_given);
}

Test(genreq, errors_name_the_field)
{
	static const char *bad[][2] = {
		{ "{}", "prompt" },
		{ "{\"prompt\":3}", "prompt" },
		{ "{\"prompt\":\"p\",\"num_images\":5}", "num_images" },
		{ "{\"prompt\":\"p\",\"num_images\":0}", "num_images" },
		{ "{\"prompt\":\"p\",\"width\":512}", "height" },
		{ "{\"prompt\":\"p\",\"width\":8000,\"height\":512}", "width" },
		{ "{\"prompt\":\"p\",\"seed\":-1}", "seed" },
		{ "{\"prompt\":\"p\",\"aspect_ratio\":\"wide\"}", "aspect_ratio" },
		{ "{\"prompt\":\"p\",\"aspect_ratio\":\"20:1\"}", "aspect_ratio" },
		{ "{\"prompt\":\"p\",\"project_id\":\"../etc\"}", "project_id" },
		{ "{\"prompt\":\"p\",\"project_id\":\"ABC\"}", "project_id" },
		{ "{\"prompt\":\"p\",\"model\":\"a b\"}", "model" },
		{ "{\"prompt\":\"p\",\"fallback\":\"yes\"}", "fallback" },
		{ "{\"prompt\":\"p\",\"colour\":\"red\"}", "colour" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_neq(parse(bad[i][0], false), ERR_OK, "%s", bad[i][0]);
		cr_assert_eq(strncmp(why, bad[i][1], strlen(bad[i][1])), 0,
		    "%s -> %s", bad[i][0], why);
	}
}

Test(genreq, quick_accepts_only_prompt_and_provider)
{
	cr_assert_eq(parse("{\"prompt\":\"p\",\"provider\":\"comfyui\"}", true),
	    ERR_OK);
	cr_assert_eq(parse("{\"prompt\":\"p\",\"seed\":1}", true),
	    ERR_INVALID_FIELD);
}

Test(genreq, render_round_trip)
{
	json_t *r;

	cr_assert_eq(parse("{\"prompt\":\"p\",\"seed\":7}", false), ERR_OK);
	r = genreq_render(&g);
	cr_assert_eq(json_integer_value(json_object_get(r, "seed")), 7);
	cr_assert_eq(json_integer_value(json_object_get(r, "width")), 1024);
	json_decref(r);
}

/* A model goes into Gemini's URL path: only plain names pass. */
Test(genreq, model_is_a_plain_name)
{
	static const char *const good[] = { "gemini-2.5-flash-image",
	    "aa77f04e-3eec-4034-9c07-d0f619684628", "runware:101@1",
	    "flux1-dev.safetensors", "civitai:133005@782002" };
	static const char *const bad[] = { "../../v1/files",
	    "gemini-2.5-flash-image/../../tunedModels/x", "..",
	    "gemini..x", "a/b", "a?key=x", "a#b", "a%2e%2e", "a b", "a\tb",
	    "a\\b", ".hidden", "-x", ":x", "x\n", "caf\xc3\xa9", "" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_expect(genreq_model_ok(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(genreq_model_ok(bad[i]), "%s", bad[i]);
	cr_expect_eq(parse("{\"prompt\":\"p\",\"model\":\"../../x\"}", false),
	    ERR_INVALID_FIELD);
	cr_expect_eq(strncmp(why, "model", 5), 0, "%s", why);
}

/* Leonardo's presets (shared/providers/leonardo.md): what it has no preset
 * for is a 422 naming the values, not a provider error later. */
Test(genreq, style_is_a_known_preset)
{
	cr_assert_eq(parse("{\"prompt\":\"p\",\"style\":\"Sketch_BW\"}",
	    false), ERR_OK, "%s", why);
	cr_assert_eq(parse("{\"prompt\":\"p\",\"style\":\"cinematic\"}",
	    false), ERR_INVALID_FIELD);
	cr_assert(strstr(why, "style: must be one of none, leonardo, anime")
	    != NULL, "%s", why);
	cr_assert(strstr(why, "sketch_color") != NULL, "%s", why);
	cr_assert_eq(parse("{\"prompt\":\"p\",\"style\":\"vibrant\"}",
	    false), ERR_INVALID_FIELD);
}
