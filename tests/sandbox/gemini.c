/*
 * tests/sandbox/gemini.c - Gemini image generation (shared/providers/
 * gemini.md): generateContent answers inline base64 PNG of the size its
 * aspect ratio table gives. Prompts containing BLOCKME are blocked,
 * TEXTONLY answer text without an image, UNSAFEIMG end in IMAGE_SAFETY;
 * the finish_reason fault ends every answer in that reason, no image.
 * Strict as the real API: a bad key is 400 API_KEY_INVALID, an unknown
 * field or modality 400 INVALID_ARGUMENT (proto JSON).
 * Not here: faults common to every protocol (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/sandbox/sandbox.h"

#define PREFIX	"/v1beta/models/"

/* Supported aspect ratios and their output sizes. */
static const struct {
	const char	*ratio;
	int		 w, h;
} sizes[] = {
	{ "1:1", 1024, 1024 }, { "2:3", 832, 1248 },  { "3:2", 1248, 832 },
	{ "3:4", 864, 1184 },  { "4:3", 1184, 864 },  { "4:5", 896, 1152 },
	{ "5:4", 1152, 896 },  { "9:16", 768, 1344 }, { "16:9", 1344, 768 },
	{ "21:9", 1536, 672 },
};

/* The fields the real API knows, per object (proto JSON names). */
static const char *const top_keys[] = { "contents", "generationConfig",
    "safetySettings", "systemInstruction", "tools", "toolConfig",
    "cachedContent", NULL };
static const char *const content_keys[] = { "role", "parts", NULL };
static const char *const part_keys[] = { "text", "inlineData", "fileData",
    NULL };
static const char *const config_keys[] = { "responseModalities",
    "imageConfig", "temperature", "topP", "topK", "candidateCount",
    "maxOutputTokens", "stopSequences", "seed", "responseMimeType", NULL };
static const char *const image_keys[] = { "aspectRatio", "imageSize", NULL };

/* The first key of o that is not in known, or NULL. */
static const char *
unknown_key(const json_t *o, const char *const *known)
{
	const char *k, *const *p;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		for (p = known; *p && strcmp(*p, k) != 0; p++)
			;
		if (*p == NULL)
			return k;
	}
	return NULL;
}

/* Why the body is not a valid GenerateContentRequest, or NULL. */
static const char *
body_invalid(const json_t *b, char *why, size_t len)
{
	const json_t *cfg = json_object_get(b, "generationConfig"),
	    *c0 = json_array_get(json_object_get(b, "contents"), 0), *m;
	const struct {
		const json_t		*o;
		const char *const	*known;
		const char		*at;
	} objs[] = {
		{ b, top_keys, "" },
		{ cfg, config_keys, "generation_config" },
		{ json_object_get(cfg, "imageConfig"), image_keys,
		    "generation_config.image_config" },
		{ c0, content_keys, "contents[0]" },
		{ json_array_get(json_object_get(c0, "parts"), 0), part_keys,
		    "contents[0].parts[0]" },
	};
	const char *k;
	size_t i;

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if ((k = unknown_key(objs[i].o, objs[i].known)) != NULL) {
			snprintf(why, len, "Invalid JSON payload received. "
			    "Unknown name \"%s\" at '%s': Cannot find field.",
			    k, objs[i].at);
			return why;
		}
	json_array_foreach(json_object_get(cfg, "responseModalities"), i, m)
		if (!json_is_string(m) || (strcmp(json_string_value(m), "IMAGE")
		    && strcmp(json_string_value(m), "TEXT"))) {
			snprintf(why, len, "Invalid value at 'generation_config."
			    "response_modalities[%zu]' (type.googleapis.com/google."
			    "ai.generativelanguage.v1beta.GenerationConfig.Modality)"
			    ", %.40s", i, json_string_value(m) ?
			    json_string_value(m) : "?");
			return why;
		}
	return NULL;
}

static char *
prompt_text(const json_t *body)
{
	json_t *parts = json_object_get(json_array_get(json_object_get(body,
	    "contents"), 0), "parts"), *part;
	size_t i, n = 1;
	char *out;

	json_array_foreach(parts, i, part)
		n += strlen(json_string_value(json_object_get(part, "text")) ?
		    json_string_value(json_object_get(part, "text")) : "") + 1;
	if ((out = calloc(1, n)) == NULL)
		return NULL;
	json_array_foreach(parts, i, part)
		if (json_string_value(json_object_get(part, "text")))
			strcat(strcat(out, json_string_value(
			    json_object_get(part, "text"))), " ");
	return out;
}

static json_t *
usage(void)
{
	return json_pack("{s:i,s:i}", "promptTokenCount", 12,
	    "candidatesTokenCount", 1290);
}

static json_t *
candidate(json_t *parts, const char *finish)
{
	return json_pack("{s:[{s:{s:s,s:o},s:s}],s:o,s:s}", "candidates",
	    "content", "role", "model", "parts", parts, "finishReason", finish,
	    "usageMetadata", usage(), "modelVersion", "gemini-2.5-flash-image");
}

static void
generate(const struct sb_req *rq, const struct sb_faults *f,
    struct sb_resp *rs)
{
	const char *ratio = json_string_value(json_object_get(json_object_get(
	    json_object_get(rq->json, "generationConfig"), "imageConfig"),
	    "aspectRatio"));
	char *text, *b64, why[256];
	unsigned char *img;
	size_t i, len;

	if (body_invalid(rq->json, why, sizeof(why)))
		return sb_json(rs, 400, sb_error_body(SB_GEMINI, 400, why));
	if (f->finish_reason[0])
		return sb_json(rs, 200, candidate(json_array(),
		    f->finish_reason));
	text = prompt_text(rq->json);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strcmp(sizes[i].ratio, ratio ? ratio : "1:1") == 0)
			break;
	if (text == NULL || text[0] == '\0' || i == sizeof(sizes) /
	    sizeof(sizes[0])) {
		free(text);
		return sb_json(rs, 400, sb_error_body(SB_GEMINI, 400,
		    "Invalid contents or aspectRatio"));
	}
	if (strstr(text, "BLOCKME"))
		sb_json(rs, 200, json_pack("{s:{s:s},s:o}", "promptFeedback",
		    "blockReason", "SAFETY", "usageMetadata", usage()));
	else if (strstr(text, "TEXTONLY"))
		sb_json(rs, 200, candidate(json_pack("[{s:s}]", "text",
		    "I can describe that picture, but here are only words."),
		    "STOP"));
	else if (strstr(text, "UNSAFEIMG"))
		sb_json(rs, 200, candidate(json_array(), "IMAGE_SAFETY"));
	else {
		img = sb_png(sizes[i].w, sizes[i].h, sb_hash(text, 0), 0, &len);
		b64 = sb_base64(img, len);
		sb_json(rs, 200, candidate(json_pack("[{s:s},{s:{s:s,s:s}}]",
		    "text", "Here is the image.", "inlineData", "mimeType",
		    "image/png", "data", b64), "STOP"));
		free(b64);
		free(img);
	}
	free(text);
}

void
sb_gemini(struct sb_port *p, const struct sb_req *rq,
    const struct sb_faults *f, struct sb_resp *rs)
{
	const char *model = rq->path + strlen(PREFIX), *colon;

	if (strncmp(rq->path, PREFIX, strlen(PREFIX)) != 0)
		return;
	if (f->wrong_auth || rq->goog_key == NULL ||
	    strcmp(rq->goog_key, p->key) != 0)
		return sb_json(rs, 400, sb_gemini_key_invalid());
	colon = strchr(model, ':');
	if (colon && strcmp(colon, ":generateContent") == 0 &&
	    strcmp(rq->method, "POST") == 0)
		return generate(rq, f, rs);
	if (colon == NULL && strcmp(rq->method, "GET") == 0)
		sb_json(rs, 200, json_pack("{s:s,s:s,s:s,s:[s]}", "name",
		    "models/gemini-2.5-flash-image", "displayName",
		    "Gemini 2.5 Flash Image", "version", "2.5",
		    "supportedGenerationMethods", "generateContent"));
}
