/*
 * app/routes.c - the whole API in one static table.
 * Not here: handler code (handlers/), matching (router.c).
 */
#include "app/routes.h"
#include "handlers/handlers.h"
#include "lib/auth/keys.h"
#include "lib/core/util.h"

/* Method + anchored path pattern -> handler and the scope a client key
 * needs (KEY_SCOPE_NONE: public); captures become req->params. */
const struct route app_routes[] = {
	{ "GET",	"^/health$",				handle_health, KEY_SCOPE_NONE },
	{ "POST",	"^/unified/generate$",			handle_generate, KEY_SCOPE_GENERATE },
	{ "POST",	"^/unified/generate/quick$",		handle_generate_quick, KEY_SCOPE_GENERATE },
	{ "POST",	"^/unified/generate/batch$",		handle_generate_batch, KEY_SCOPE_GENERATE },
	{ "GET",	"^/unified/providers$",			handle_providers, KEY_SCOPE_READ },
	{ "POST",	"^/unified/validate-prompt$",		handle_validate_prompt, KEY_SCOPE_GENERATE },
	{ "GET",	"^/unified/validate-prompt/([0-9a-fA-F-]{36})$", handle_prompt_job_get, KEY_SCOPE_READ },
	{ "GET",	"^/unified/prompt-validator/health$",	handle_prompt_health, KEY_SCOPE_READ },
	{ "GET",	"^/unified/jobs$",			handle_jobs, KEY_SCOPE_READ },
	{ "GET",	"^/unified/jobs/([0-9a-fA-F-]{36})$",	handle_job_get, KEY_SCOPE_READ },
	{ "DELETE",	"^/unified/jobs/([0-9a-fA-F-]{36})$",	handle_job_cancel, KEY_SCOPE_GENERATE },
	{ "GET",	"^/unified/batches/([0-9a-fA-F-]{36})$", handle_batch_get, KEY_SCOPE_READ },
	{ "GET",	"^/unified/stats$",			handle_stats, KEY_SCOPE_READ },
	{ "POST",	"^/v1/images/generations$",		handle_openai_images, KEY_SCOPE_GENERATE },
	{ "GET",	"^/metrics$",				handle_metrics, KEY_SCOPE_NONE },	/* METRICS_ACCESS */
};

const size_t app_nroutes = NELEM(app_routes);
_Static_assert(NELEM(app_routes) < METRICS_ROUTE_NONE,
    "a metrics slot a route");

void
app_route_labels_init(struct app_route_labels *l)
{
	size_t i;

	l->n = app_nroutes;
	for (i = 0; i < app_nroutes; i++) {
		metrics_route_label(app_routes[i].pattern, l->path[i],
		    sizeof(l->path[i]));
		l->v[i].method = app_routes[i].method;
		l->v[i].path = l->path[i];
	}
}

size_t
app_route_slot(const struct route *r)
{
	if (r == NULL || r < app_routes || r >= app_routes + app_nroutes)
		return METRICS_ROUTE_NONE;
	return (size_t)(r - app_routes);
}
