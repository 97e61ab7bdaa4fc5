/*
 * handlers/providers.c - GET /unified/providers: every provider with
 * whether it is configured (and why not), its endpoint kind (real or
 * sandbox), whether it is local (never its URL), reachability (a cheap
 * health call, cached 10 s per worker; ?fresh=1 skips the cache; its
 * error code only), capabilities, limits, default model, its
 * provider_configs row and its circuit / rate state.
 * Statuses: 200 (the database being down only empties provider_configs).
 * Not here: the health calls themselves (lib/providers/run.c).
 */
#include <string.h>

#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/provider_configs.h"
#include "lib/gen/plan.h"
#include "lib/http/http.h"
#include "lib/http/url.h"
#include "lib/providers/common.h"
#include "lib/providers/registry.h"
#include "lib/providers/run.h"

#define HEALTH_TTL_MS	10000

static bool
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p && (p = strstr(p, name)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

static json_t *
reachable(struct worker *w, size_t i, const struct provider *p,
    const struct prov_ctx *ctx, bool fresh)
{
	struct worker_prov_health *h = &w->prov_health[i];

	if (fresh || h->at_ms == 0 || time_mono_ms() - h->at_ms > HEALTH_TTL_MS) {
		h->err = prov_health(p, ctx, &w->http, &h->ms, h->why,
		    sizeof(h->why));
		h->at_ms = time_mono_ms();
		if (h->err != ERR_OK)
			log_warn(&w->log, "%s health check failed: %s",
			    p->name, h->why);
	}
	/* The code only: what the provider said stays in the log. */
	return json_pack("{s:b,s:f,s:s?,s:I}", "ok", h->err == ERR_OK,
	    "latency_ms", h->ms, "error", h->err == ERR_OK ? NULL :
	    err_code(h->err), "age_ms", (json_int_t)(time_mono_ms() -
	    h->at_ms));
}

static json_t *
config_row(const struct db_provider_config *c, long default_timeout_ms)
{
	if (c == NULL)
		return json_null();
	return json_pack("{s:b,s:i,s:i,s:I,s:i,s:i,s:s,s:i}", "enabled",
	    c->enabled,
	    "priority", c->priority, "weight", c->weight, "timeout_ms",
	    (json_int_t)(c->timeout_ms > 0 ? c->timeout_ms : default_timeout_ms),
	    "max_retries", c->max_retries,
	    "rate_per_min", c->rate_per_min, "default_model", c->default_model,
	    "max_concurrent", c->max_concurrent);
}

static json_t *
circuit_json(struct worker *w, const char *name)
{
	struct circuit_view v;

	if (w->circuits == NULL)
		return json_null();
	circuit_view_get(w->circuits, name, time_wall_ms(), &v);
	return json_pack("{s:s,s:i,s:I,s:i,s:I,s:i}", "state",
	    circuit_state_name(v.state), "failures", v.failures,
	    "open_until_ms", (json_int_t)v.open_until_ms, "used_this_minute",
	    v.used_this_minute, "opened_total", (json_int_t)v.opened_total,
	    "in_flight", v.in_flight);
}

static json_t *
provider_json(struct worker *w, size_t i, const struct db_provider_config *pc,
    bool fresh)
{
	const struct provider *p = prov_registry[i];
	const char *why = p->unconfigured(w->cfg);
	struct prov_ctx ctx;
	json_t *c = json_array();
	unsigned bit;

	for (bit = 1; bit != 0 && bit <= p->caps; bit <<= 1)
		if ((p->caps & bit) && prov_cap_name(bit))
			json_array_append_new(c, json_string(prov_cap_name(bit)));
	plan_ctx_init(w->cfg, p, pc, &ctx);
	return json_pack("{s:s,s:s,s:b,s:s?,s:s,s:b,s:o,s:o,s:{s:I,s:i,s:i,"
	    "s:i,s:i},s:s,s:o,s:o}", "name", p->name, "label", p->label,
	    "configured", why == NULL, "why_not_configured", why, "endpoint",
	    in_list(w->cfg->sandbox_providers, p->name) ? "sandbox" : "real",
	    "local", http_url_local(ctx.base_url), "reachable", why ?
	    json_null() :
	    reachable(w, i, p, &ctx, fresh), "capabilities", c, "limits",
	    "max_prompt_chars", (json_int_t)p->limits.max_prompt_chars,
	    "min_side", p->limits.min_side, "max_side", p->limits.max_side,
	    "size_multiple", p->limits.size_multiple, "max_images",
	    p->limits.max_images, "default_model", ctx.default_model,
	    "provider_configs", config_row(pc, ctx.timeout_ms), "circuit",
	    circuit_json(w, p->name));
}

enum err
handle_providers(struct request *req, struct response *res)
{
	struct db_provider_config pcs[8];
	size_t n = 0, i;
	json_t *list = json_array();
	enum err dbe;
	bool fresh = req_query_flag(req, "fresh");

	dbe = db_provider_configs_load(&req->w->db, pcs, NELEM(pcs), &n);
	for (i = 0; i < prov_registry_count && i < 8; i++)
		json_array_append_new(list, provider_json(req->w, i,
		    db_provider_config_find(pcs, n, prov_registry[i]->name),
		    fresh));
	return res_json_take(res, 200, json_pack("{s:o,s:s?}", "providers",
	    list, "warning", dbe == ERR_OK ? NULL : "database unavailable: "
	    "provider_configs not shown"));
}
