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
	cr_assert_str_eq(json_string_value(json_object_get(img, "url")),
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

Test(jobview, public_base_prefixes_url_only)
{
	json_t *r = record(), *v = jobview_render(r, "https://cdn.example/"),
	    *img = json_array_get(json_object_get(v, "images"), 0);

	cr_assert_str_eq(json_string_value(json_object_get(img, "url")),
	    "https://cdn.example/storage/images/default/gemini/i1.png");
	cr_assert_str_eq(json_string_value(json_object_get(img, "local_url")),
	    "/storage/images/default/gemini/i1.png");
	json_decref(v);
	json_decref(r);
}
