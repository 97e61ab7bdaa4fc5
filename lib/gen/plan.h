/*
 * lib/gen/plan.h - the candidate order for one generation: the
 * explicit provider first, then (with fallback) every provider that is
 * configured, enabled, able to serve the request and not cooling down,
 * by priority, with a weighted draw among equal priorities. Each skipped
 * provider carries its reason (shown by ?dry_run=1).
 * Not here: calling providers, retries (engine.c).
 */
#ifndef GEN_PLAN_H
#define GEN_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/db/provider_configs.h"
#include "lib/providers/circuit.h"
#include "lib/providers/provider.h"

#define PLAN_MAX	8

struct plan_entry {
	const struct provider			*prov;
	const struct db_provider_config		*pc;	/* NULL = defaults */
	bool					 kept;
	char					 reason[160];
	int64_t					 retry_at_ms;	/* cooling down */
	long					 prompt_limit;	/* chars */
};

struct plan {
	struct plan_entry	 v[PLAN_MAX];	/* kept first, in order */
	size_t			 n;		/* all entries */
	size_t			 nkept;
	int64_t			 earliest_retry_ms;	/* 0 = none cooling */
};

struct plan_input {
	const struct provider *const	*provs;		/* the registry */
	size_t				 nprovs;
	const struct config		*cfg;
	const struct db_provider_config	*pcs;		/* may be NULL */
	size_t				 npcs;
	struct circuit_shm		*circuits;	/* may be NULL */
	const struct gen_params		*params;
	const char			*requested;	/* NULL or "auto" */
	bool				 fallback;
	uint64_t			 seed;		/* weighted draw */
	int64_t				 now_ms;	/* wall clock */
	bool				 dry_run;	/* do not take rate */
};

/*
 * The context prov is called with: its configuration (ctx_init) and its
 * provider_configs row pc (NULL = none): default_model, timeout_ms and
 * settings (steps, guidance, allowed_models narrowing *_MODELS). pc is
 * borrowed by ctx and must outlive it.
 */
void		plan_ctx_init(const struct config *cfg,
		    const struct provider *prov,
		    const struct db_provider_config *pc, struct prov_ctx *ctx);
/* Does prov with ctx offer model (in *_MODELS and the row's allowlist)? */
bool		plan_model_offered(const struct prov_ctx *ctx,
		    const char *model);
/*
 * Builds the order into out. ERR_INVALID_FIELD (why set) when the
 * requested provider does not exist; ERR_MODEL_NOT_ALLOWED when the
 * params name a model the requested provider (for "auto": every one)
 * does not list in its *_MODELS; other providers without it are skipped. nkept == 0 means nothing can serve
 * the request (reasons say why; earliest_retry_ms when cooling down).
 */
enum err	plan_build(const struct plan_input *in, struct plan *out,
		    char *why, size_t whylen);
/* Capabilities params needs (enum prov_cap bits). */
unsigned	plan_caps_needed(const struct gen_params *p);
/* JSON array of the entries: provider, kept, reason, order. */
json_t		*plan_render(const struct plan *p);

#endif
