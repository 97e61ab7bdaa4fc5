/*
 * tests/unit/lib/json/test_jobview.c - public shape of a job record.
 */
#include <criterion/criterion.h>

#include "lib/json/jobview.h"

static json_t *
record(void)
{
	return json_loads("{\"id\":\"j1\",\"project_id\":\"default\","
	    "\"status\":\"completed\",\"provider\":\"gemini\","
	    "\"prompt_original\":\"long\",\"prompt_final\":\"short\","
	    "\"prompt_meta\":{\"prompt_validation\":{\"method\":\"local\"}},"
	    "\"generate_ms\":1500,\"attempts\":[{\"provider\":\"gemini\"}],"
	    "\"images\":[{\"id\":\"i1\",\"local_path\":\"images/default/gemini"
	    "/i1.png\",\"width\":64,\"height\":48,\"format\":\"png\","
	    "\"bytes\":10,\"sha256\":\"ab\"}]}", 0, NULL);
}

Test(jobview, relative_urls_without_public_base)
{
	json_t *r = record(), *v = jobview_render(r, NULL), *img;

	cr_assert_str_eq(json_string_value(json_object_get(v, "generation_id")),
	    "j1");
	cr_assert_str_eq(json_string_value(json_object_get(v, "prompt")),
	    "short");
	img = json_array_get(json_object_get(v, "images"), 0);
	cr_assert(json_is_null(json_object_get(img, "url")), "bytes: no url");
	cr_assert_str_eq(json_string_value(json_object_get(img, "public_url")),
	    "/storage/images/default/gemini/i1.png");
	cr_assert_str_eq(json_string_value(json_object_get(img, "local_url")),
	    "/storage/images/default/gemini/i1.png");
	cr_assert_eq(json_real_value(json_object_get(json_object_get(v,
	    "metadata"), "generation_time")), 1.5);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(
	    json_object_get(v, "metadata"), "prompt_validation"), "method")),
	    "local");
	cr_assert(json_is_null(json_object_get(v, "error")));
	json_decref(v);
	json_decref(r);
}

Test(jobview, public_base_prefixes_public_url_only)
{
	json_t *r = record(), *v = jobview_render(r, "https://cdn.example/"),
	    *img = json_array_get(json_object_get(v, "images"), 0);

	cr_assert_str_eq(json_string_value(json_object_get(img, "public_url")),
	    "https://cdn.example/storage/images/default/gemini/i1.png");
	cr_assert_str_eq(json_string_value(json_object_get(img, "local_url")),
	    "/storage/images/default/gemini/i1.png");
	json_decref(v);
	json_decref(r);
}

/* What the provider said: its URL (unless local), its flags per image,
 * a readable model name, the prompt it got when shortened for it. */
Test(jobview, what_the_provider_said)
{
	json_t *r = json_loads("{\"id\":\"j2\",\"status\":\"completed\","
	    "\"provider\":\"leonardo_ai\",\"provider_model\":"
	    "\"aa77f04e-3eec-4034-9c07-d0f619684628\",\"prompt_meta\":"
	    "{\"provider_prompt\":{\"provider\":\"leonardo_ai\",\"limit\":"
	    "1500,\"length\":1490,\"text\":\"short\"},\"provider_meta\":"
	    "{\"nsfw_flagged\":true}},\"images\":["
	    "{\"id\":\"a\",\"local_path\":\"images/p/l/a.png\",\"source_url\":"
	    "\"https://cdn.leonardo.ai/users/x/a.png\",\"nsfw\":true},"
	    "{\"id\":\"b\",\"local_path\":\"images/p/l/b.png\",\"source_url\":"
	    "\"http://127.0.0.1:18111/img/b.png\",\"nsfw\":false}]}", 0, NULL);
	json_t *v = jobview_render(r, NULL), *m = json_object_get(v,
	    "metadata"), *a = json_array_get(json_object_get(v, "images"), 0),
	    *b = json_array_get(json_object_get(v, "images"), 1);

	cr_assert_not_null(r);
	cr_assert_str_eq(json_string_value(json_object_get(a, "url")),
	    "https://cdn.leonardo.ai/users/x/a.png");
	cr_assert(json_is_true(json_object_get(a, "nsfw")));
	cr_assert(json_is_null(json_object_get(b, "url")), "a local address");
	cr_assert(json_is_false(json_object_get(b, "nsfw")));
	cr_assert(json_is_null(json_object_get(b, "synthid")));
	cr_assert_str_eq(json_string_value(json_object_get(m,
	    "provider_model_name")), "Leonardo Kino XL");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(m,
	    "provider_prompt"), "text")), "short");
	cr_assert(json_is_true(json_object_get(json_object_get(m,
	    "provider_meta"), "nsfw_flagged")));
	json_decref(v);
	json_decref(r);
}
