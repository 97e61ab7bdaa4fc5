/*
 * tests/sandbox/gemini.c - Gemini image generation (shared/providers/
 * gemini.md): generateContent answers inline base64 PNG of the size its
 * aspect ratio table gives. Prompts containing BLOCKME are blocked,
 * TEXTONLY answer text without an image, UNSAFEIMG end in IMAGE_SAFETY.
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
generate(const struct sb_req *rq, struct sb_resp *rs)
{
	const char *ratio = json_string_value(json_object_get(json_object_get(
	    json_object_get(rq->json, "generationConfig"), "imageConfig"),
	    "aspectRatio"));
	char *text = prompt_text(rq->json), *b64;
	unsigned char *img;
	size_t i, len;

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
		return sb_json(rs, 403, sb_error_body(SB_GEMINI, 403,
		    "API key not valid. Please pass a valid API key."));
	colon = strchr(model, ':');
	if (colon && strcmp(colon, ":generateContent") == 0 &&
	    strcmp(rq->method, "POST") == 0)
		return generate(rq, rs);
	if (colon == NULL && strcmp(rq->method, "GET") == 0)
		sb_json(rs, 200, json_pack("{s:s,s:s,s:s,s:[s]}", "name",
		    "models/gemini-2.5-flash-image", "displayName",
		    "Gemini 2.5 Flash Image", "version", "2.5",
		    "supportedGenerationMethods", "generateContent"));
}
