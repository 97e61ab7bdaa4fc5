/*
 * lib/gen/genreq.h - the body of POST /unified/generate (and of each
 * batch item, and of /generate/quick) parsed and checked field by field
 * into struct genreq: the first problem is an error naming the field.
 * Not here: prompt rules (lib/prompt), provider limits (plan.c).
 */
#ifndef GEN_GENREQ_H
#define GEN_GENREQ_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/providers/provider.h"

#define GENREQ_DEFAULT_SIDE	1024
#define GENREQ_MAX_IMAGES	4
#define GENREQ_MODEL_MAX	128

struct genreq {
	struct gen_params	 params;	/* strings borrowed from body */
	const char		*provider;	/* "auto" when absent */
	bool			 fallback;	/* default true */
	const char		*project_id;	/* "default" when absent */
	bool			 size_given;	/* width/height or ratio sent */
	const char		*webhook_url;	/* NULL = none (checked apart:
						   lib/gen/deliver.c) */
};

/*
 * Parses body (borrowed; must outlive out) into out. quick limits the
 * fields to prompt and provider (POST /unified/generate/quick).
 * ERR_MISSING_FIELD / ERR_INVALID_FIELD with "field: rule" in why.
 */
enum err	genreq_parse(const json_t *body, bool quick, struct genreq *out,
		    char *why, size_t whylen);
/* True for a plain model name: 1-GENREQ_MODEL_MAX of [A-Za-z0-9._:@-],
 * the first a letter or digit, no "..". Whether a provider offers it is
 * plan.c's (its *_MODELS list). */
bool		genreq_model_ok(const char *m);
/* True for a valid project id: a UUID or [a-z0-9-]{1,64}. */
bool		genreq_project_ok(const char *id);
/* The request as a JSON object for the job record (new reference). */
json_t		*genreq_render(const struct genreq *g);

#endif
