/*
 * lib/gen/genreq.c - field checks for generation requests.
 * Not here: anything that needs the network or the database.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lib/json/json.h"
#include "lib/gen/genreq.h"
#include "lib/providers/leonardo.h"

#define MAX_SIDE	4096
#define MIN_SIDE	64
/* A model name goes into a provider's URL path (Gemini) or body: no
 * "/", "?", "#", "%", space or anything else a path could take. */
#define MODEL_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789._:@-"

static const char *const all_fields[] = { "prompt", "negative_prompt",
    "provider", "fallback", "width", "height", "aspect_ratio",
    "num_images", "seed", "model", "style", "project_id", "webhook_url",
    NULL };
static const char *const quick_fields[] = { "prompt", "provider", NULL };

bool
genreq_project_ok(const char *id)
{
	size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n >= 1 && n <= 64 && id[n] == '\0';
}

bool
genreq_model_ok(const char *m)
{
	size_t n = strspn(m, MODEL_CHARS);

	return n >= 1 && n <= GENREQ_MODEL_MAX && m[n] == '\0' &&
	    isalnum((unsigned char)m[0]) && strstr(m, "..") == NULL;
}

/* A string of at most max bytes made of the allowed characters. */
static enum err
check_token(const char *key, const char *v, size_t max, const char *allowed,
    char *why, size_t whylen)
{
	if (v == NULL)
		return ERR_OK;
	if (v[0] == '\0' || strlen(v) > max ||
	    (allowed && v[strspn(v, allowed)] != '\0')) {
		snprintf(why, whylen, "%s: must be 1-%zu characters%s%s", key,
		    max, allowed ? " of " : "", allowed ? "[A-Za-z0-9._:@/-]" :
		    "");
		return ERR_INVALID_FIELD;
	}
	return ERR_OK;
}

#define TOKEN_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
	"0123456789._:@/-"

/* A style is one of the names the style provider maps (Leonardo's
 * presets): anything else is refused here, not by the provider. */
static enum err
check_style(const char *style, char *why, size_t whylen)
{
	const char *name;
	bool alchemy;
	size_t i, n;

	if (style == NULL || prov_leonardo_preset(style, &alchemy) != NULL)
		return ERR_OK;
	n = (size_t)snprintf(why, whylen, "style: must be one of");
	for (i = 0; (name = prov_leonardo_style_name(i)) != NULL &&
	    n < whylen; i++)
		n += (size_t)snprintf(why + n, whylen - n, "%s %s", i ? "," :
		    "", name);
	return ERR_INVALID_FIELD;
}

/* "W:H" with 1..64 each; fills the default size for it. */
static enum err
parse_ratio(const char *r, struct gen_params *p, char *why, size_t whylen)
{
	int w, h, n = 0;

	if (sscanf(r, "%2d:%2d%n", &w, &h, &n) != 2 || r[n] != '\0' ||
	    w < 1 || h < 1 || w > 64 || h > 64 || w * 8 < h || h * 8 < w) {
		snprintf(why, whylen, "aspect_ratio: must be \"W:H\" with "
		    "1..64 each and at most 8:1, e.g. \"16:9\"");
		return ERR_INVALID_FIELD;
	}
	p->aspect_ratio = r;
	if (p->width == 0 && p->height == 0) {
		p->width = w >= h ? GENREQ_DEFAULT_SIDE :
		    GENREQ_DEFAULT_SIDE * w / h / 8 * 8;
		p->height = h >= w ? GENREQ_DEFAULT_SIDE :
		    GENREQ_DEFAULT_SIDE * h / w / 8 * 8;
	}
	return ERR_OK;
}

static enum err
parse_size(const json_t *b, struct genreq *g, char *why, size_t whylen)
{
	struct gen_params *p = &g->params;
	const char *ratio = NULL;
	long w = 0, h = 0;
	enum err e;

	if ((e = jx_int(b, "width", false, MIN_SIDE, MAX_SIDE, &w, why,
	    whylen)) || (e = jx_int(b, "height", false, MIN_SIDE, MAX_SIDE,
	    &h, why, whylen)) || (e = jx_string(b, "aspect_ratio", false,
	    &ratio, why, whylen)))
		return e;
	if ((w == 0) != (h == 0)) {
		snprintf(why, whylen, "%s: width and height go together",
		    w ? "height" : "width");
		return ERR_INVALID_FIELD;
	}
	p->width = (int)w;
	p->height = (int)h;
	g->size_given = w != 0 || ratio != NULL;
	if (ratio != NULL)
		return parse_ratio(ratio, p, why, whylen);
	if (w == 0)
		p->width = p->height = GENREQ_DEFAULT_SIDE;
	return ERR_OK;
}

/* The prompt: a NUL in it is its encoding's fault (as validate-prompt
 * says), other shapes are jx_string's. */
static enum err
parse_prompt(const json_t *b, const char **out, char *why, size_t whylen)
{
	const json_t *v = json_object_get(b, "prompt");
	const char *s = json_string_value(v);

	if (s != NULL && strlen(s) != json_string_length(v)) {
		snprintf(why, whylen, "prompt contains a NUL byte at offset %zu",
		    strlen(s));
		return ERR_PROMPT_ENCODING;
	}
	return jx_string(b, "prompt", true, out, why, whylen);
}

static enum err
parse_texts(const json_t *b, struct genreq *g, char *why, size_t whylen)
{
	struct gen_params *p = &g->params;
	enum err e;

	if ((e = parse_prompt(b, &p->prompt, why, whylen)) ||
	    (e = jx_string(b, "negative_prompt", false, &p->negative_prompt,
	    why, whylen)) ||
	    (e = jx_string(b, "provider", false, &g->provider, why, whylen)) ||
	    (e = jx_string(b, "model", false, &p->model, why, whylen)) ||
	    (e = jx_string(b, "style", false, &p->style, why, whylen)) ||
	    (e = jx_string(b, "project_id", false, &g->project_id, why,
	    whylen)) || (e = jx_string(b, "webhook_url", false,
	    &g->webhook_url, why, whylen)))
		return e;
	if (p->negative_prompt && strlen(p->negative_prompt) > 2000) {
		snprintf(why, whylen, "negative_prompt: at most 2000 bytes");
		return ERR_INVALID_FIELD;
	}
	if (!genreq_project_ok(g->project_id)) {
		snprintf(why, whylen, "project_id: must be a UUID or 1-64 "
		    "characters of [a-z0-9-]");
		return ERR_INVALID_FIELD;
	}
	if ((e = check_token("provider", g->provider, 32, TOKEN_CHARS, why,
	    whylen)))
		return e;
	if (p->model != NULL && !genreq_model_ok(p->model)) {
		snprintf(why, whylen, "model: must be 1-%d characters of "
		    "[A-Za-z0-9._:@-], starting with a letter or digit, without "
		    "\"..\"", GENREQ_MODEL_MAX);
		return ERR_INVALID_FIELD;
	}
	return check_style(p->style, why, whylen);
}

static enum err
parse_numbers(const json_t *b, struct genreq *g, char *why, size_t whylen)
{
	long n = 1, seed = -1;
	enum err e;

	if ((e = jx_int(b, "num_images", false, 1, GENREQ_MAX_IMAGES, &n, why,
	    whylen)) || (e = jx_int(b, "seed", false, 0, 4294967295L, &seed,
	    why, whylen)) || (e = jx_bool(b, "fallback", false, &g->fallback,
	    why, whylen)))
		return e;
	g->params.num_images = (int)n;
	g->params.has_seed = seed >= 0;
	g->params.seed = seed >= 0 ? seed : 0;
	return ERR_OK;
}

enum err
genreq_parse(const json_t *body, bool quick, struct genreq *out, char *why,
    size_t whylen)
{
	enum err e;

	memset(out, 0, sizeof(*out));
	out->provider = "auto";
	out->project_id = "default";
	out->fallback = true;
	if ((e = jx_check_keys(body, quick ? quick_fields : all_fields, why,
	    whylen)) || (e = parse_texts(body, out, why, whylen)) ||
	    (e = parse_numbers(body, out, why, whylen)))
		return e;
	return parse_size(body, out, why, whylen);
}

json_t *
genreq_render(const struct genreq *g)
{
	const struct gen_params *p = &g->params;

	return json_pack("{s:s,s:b,s:b,s:s,s:i,s:i,s:s?,s:i,s:o,s:s?,s:s?,"
	    "s:s?}", "provider", g->provider, "fallback", g->fallback,
	    "size_given", g->size_given, "project_id",
	    g->project_id, "width", p->width, "height", p->height,
	    "aspect_ratio", p->aspect_ratio, "num_images", p->num_images,
	    "seed", p->has_seed ? json_integer(p->seed) : json_null(),
	    "model", p->model, "style", p->style, "negative_prompt",
	    p->negative_prompt);
}
