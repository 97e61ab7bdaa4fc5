/*
 * lib/db/provider_configs.h - the provider_configs table: per provider
 * enabled, priority, weight, timeout, retries, rate limit, default model,
 * settings (steps, guidance, allowed_models: a list or a comma string,
 * styles: an object mapping our style names to the provider's).
 * Not here: what the engine does with them (lib/gen/engine.c).
 */
#ifndef DB_PROVIDER_CONFIGS_H
#define DB_PROVIDER_CONFIGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/db/db.h"

#define DB_PROVIDER_NAME_MAX	32
#define DB_MODEL_MAX		128

struct db_provider_config {
	char		provider[DB_PROVIDER_NAME_MAX + 1];
	bool		enabled;
	int		priority;	/* lower is tried first */
	int		weight;		/* share among equal priorities */
	long		timeout_ms;	/* 0: PROVIDER_TIMEOUT_MS */
	int		max_retries;
	int		rate_per_min;	/* 0 = unlimited */
	int		max_concurrent;	/* calls in flight; 0 = no cap */
	char		default_model[DB_MODEL_MAX + 1];	/* "" = none */
	/* From the settings jsonb; 0 / "" when absent or of a wrong type. */
	int		steps;		/* settings.steps */
	double		guidance;	/* settings.guidance */
	char		allowed_models[512];	/* settings.allowed_models */
	char		styles[512];	/* settings.styles {"ours": "theirs"}
					   as "ours=theirs,..." */
};

/*
 * Loads every row (at most max) into out, ordered by provider name; *n
 * says how many. ERR_DB_UNAVAILABLE / ERR_DB as db_exec().
 */
enum err	db_provider_configs_load(struct db *db,
		    struct db_provider_config *out, size_t max, size_t *n);
/* Borrowed row for provider in rows[0..n), or NULL. */
const struct db_provider_config *db_provider_config_find(
		    const struct db_provider_config *rows, size_t n,
		    const char *provider);

#endif
