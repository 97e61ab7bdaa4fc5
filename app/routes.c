/*
 * app/routes.c - the whole API in one static table.
 * Not here: handler code (handlers/), matching (router.c).
 */
#include "app/routes.h"
#include "handlers/handlers.h"
#include "lib/core/util.h"

/* Method + anchored path pattern -> handler; captures become req->params. */
const struct route app_routes[] = {
	{ "GET",	"^/health$",				handle_health },
	{ "POST",	"^/unified/generate$",			handle_generate },
	{ "POST",	"^/unified/generate/quick$",		handle_generate_quick },
	{ "POST",	"^/unified/generate/batch$",		handle_generate_batch },
	{ "GET",	"^/unified/providers$",			handle_providers },
	{ "POST",	"^/unified/validate-prompt$",		handle_validate_prompt },
	{ "GET",	"^/unified/validate-prompt/([0-9a-fA-F-]{36})$", handle_prompt_job_get },
	{ "GET",	"^/unified/prompt-validator/health$",	handle_prompt_health },
	{ "GET",	"^/unified/jobs$",			handle_jobs },
	{ "GET",	"^/unified/jobs/([0-9a-fA-F-]{36})$",	handle_job_get },
	{ "DELETE",	"^/unified/jobs/([0-9a-fA-F-]{36})$",	handle_job_cancel },
	{ "GET",	"^/unified/batches/([0-9a-fA-F-]{36})$", handle_batch_get },
	{ "GET",	"^/unified/stats$",			handle_stats },
};

const size_t app_nroutes = NELEM(app_routes);
