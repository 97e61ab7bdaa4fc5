/*
 * lib/db/provider_configs.c - reading provider_configs (with its settings
 * jsonb parsed).
 * Not here: writes (operators edit the table with SQL; workers re-read it
 * at start and on reload).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/db/provider_configs.h"

/* settings.allowed_models (an array of strings or a comma string) as a
 * comma list into buf. */
static void
models_parse(json_t *v, char *buf, size_t len)
{
	json_t *m;
	size_t i, n = 0;

	buf[0] = '\0';
	if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	json_array_foreach(json_is_array(v) ? v : NULL, i, m)
		if (json_is_string(m) && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n ? "," : "", json_string_value(m));
}

/* settings.styles ({"photo": "CREATIVE"}) as "photo=CREATIVE,..." into
 * buf; names with ',' or '=' are left out. */
static void
styles_parse(json_t *v, char *buf, size_t len)
{
	const char *k;
	json_t *m;
	size_t n = 0;

	buf[0] = '\0';
	json_object_foreach(json_is_object(v) ? v : NULL, k, m)
		if (json_is_string(m) && strpbrk(k, ",=") == NULL &&
		    strpbrk(json_string_value(m), ",=") == NULL && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
			    n ? "," : "", k, json_string_value(m));
}

/* The settings jsonb text: what is known, of the right type. */
static void
settings_parse(const char *text, struct db_provider_config *c)
{
	json_t *j = json_loads(text, 0, NULL);
	json_t *steps = json_object_get(j, "steps");

	c->steps = json_is_integer(steps) && json_integer_value(steps) > 0 &&
	    json_integer_value(steps) < 1000 ? (int)json_integer_value(steps) :
	    0;
	c->guidance = json_is_number(json_object_get(j, "guidance")) ?
	    json_number_value(json_object_get(j, "guidance")) : 0;
	models_parse(json_object_get(j, "allowed_models"), c->allowed_models,
	    sizeof(c->allowed_models));
	styles_parse(json_object_get(j, "styles"), c->styles,
	    sizeof(c->styles));
	json_decref(j);
}

static void
row_parse(PGresult *r, int i, struct db_provider_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->provider, sizeof(c->provider), "%s", PQgetvalue(r, i, 0));
	c->enabled = PQgetvalue(r, i, 1)[0] == 't';
	c->priority = atoi(PQgetvalue(r, i, 2));
	c->weight = atoi(PQgetvalue(r, i, 3));
	c->timeout_ms = atol(PQgetvalue(r, i, 4));
	c->max_retries = atoi(PQgetvalue(r, i, 5));
	c->rate_per_min = atoi(PQgetvalue(r, i, 6));
	snprintf(c->default_model, sizeof(c->default_model), "%s",
	    PQgetvalue(r, i, 7));
	c->max_concurrent = atoi(PQgetvalue(r, i, 8));
	settings_parse(PQgetvalue(r, i, 9), c);
}

enum err
db_provider_configs_load(struct db *db, struct db_provider_config *out,
    size_t max, size_t *n)
{
	PGresult *r = NULL;
	enum err e;
	int i;

	*n = 0;
	e = db_exec_hot(db, "SELECT provider, enabled, priority, weight, "
	    "coalesce(timeout_ms, 0), max_retries, rate_per_min, "
	    "coalesce(default_model, ''), coalesce(max_concurrent, 0), "
	    "settings::text FROM provider_configs "
	    "ORDER BY provider", 0, NULL, &r);
	if (e != ERR_OK)
		return e;
	for (i = 0; i < PQntuples(r) && *n < max; i++)
		row_parse(r, i, &out[(*n)++]);
	PQclear(r);
	return ERR_OK;
}

const struct db_provider_config *
db_provider_config_find(const struct db_provider_config *rows, size_t n,
    const char *provider)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(rows[i].provider, provider) == 0)
			return &rows[i];
	return NULL;
}
