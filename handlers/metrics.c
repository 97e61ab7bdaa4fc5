/*
 * handlers/metrics.c - GET /metrics: Prometheus text format 0.0.4. The
 * counters every process of this host shares (lib/metrics), then gauges
 * read now: each provider's circuit, jobs queued and running, stored
 * images and bytes (PostgreSQL; left out, with imagegen_database_up 0,
 * when it does not answer).
 * Who may read it (METRICS_ACCESS): "loopback" (default) lets a client
 * on 127.0.0.1 or ::1 in without a key and asks others for a key with
 * the read scope; "public" lets anyone in; "key" always asks for a read
 * key. With AUTH=off nobody needs a key.
 * Statuses: 200 text/plain; version=0.0.4; 401, 403 (a key that does not
 * do); 500 when the counters are not mapped.
 * Not here: the counters and their rendering (lib/metrics), the SQL
 * (lib/db/gauges.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/gauges.h"
#include "lib/metrics/metrics.h"
#include "lib/providers/registry.h"

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/* The route auth_request() checks a key against when one is needed. */
static const struct route read_route = { "GET", "^/metrics$", NULL,
    KEY_SCOPE_READ };

static bool
metrics_loopback(const struct request *req)
{
	const char *a = req_env(req, "REMOTE_ADDR");

	return a != NULL && (strncmp(a, "127.", 4) == 0 ||
	    strcmp(a, "::1") == 0 || strncmp(a, "::ffff:127.", 11) == 0);
}

static enum err
metrics_access(struct request *req, struct response *res)
{
	const char *mode = req->w->cfg->metrics_access;

	if (strcmp(mode, "public") == 0 || (strcmp(mode, "loopback") == 0 &&
	    metrics_loopback(req)))
		return ERR_OK;
	return auth_request(req, res, &read_route);
}

/* One gauge a provider for each circuit state (1 for the one it is in),
 * and how often it opened. */
static void
metrics_circuits(struct worker *w, FILE *f)
{
	static const enum circuit_state states[] = { CIRCUIT_CLOSED,
	    CIRCUIT_OPEN, CIRCUIT_HALF_OPEN };
	struct circuit_view v;
	char labels[128];
	size_t i, k;

	fputs("# HELP imagegen_circuit_state The circuit breaker of each "
	    "provider on this host: 1 for the state it is in.\n"
	    "# TYPE imagegen_circuit_state gauge\n", f);
	for (i = 0; w->circuits != NULL && i < prov_registry_count; i++) {
		circuit_view_get(w->circuits, prov_registry[i]->name,
		    time_wall_ms(), &v);
		for (k = 0; k < NELEM(states); k++) {
			snprintf(labels, sizeof(labels), "provider=\"%s\","
			    "state=\"%s\"", prov_registry[i]->name,
			    circuit_state_name(states[k]));
			metrics_gauge(f, "imagegen_circuit_state", NULL, labels,
			    v.state == states[k]);
		}
	}
}

static void
metrics_db(struct worker *w, FILE *f)
{
	struct db_gauges g;
	bool up;

	db_scope_set(&w->db, "*");	/* the host's figures, every project */
	up = db_gauges_get(&w->db, &g) == ERR_OK;
	metrics_gauge(f, "imagegen_database_up", "1 when PostgreSQL answered "
	    "this scrape's queries.", NULL, up);
	if (!up)
		return;
	fputs("# HELP imagegen_jobs Jobs by kind and state, now.\n"
	    "# TYPE imagegen_jobs gauge\n", f);
	metrics_gauge(f, "imagegen_jobs", NULL, "kind=\"generation\","
	    "state=\"queued\"", (double)g.jobs_queued);
	metrics_gauge(f, "imagegen_jobs", NULL, "kind=\"generation\","
	    "state=\"running\"", (double)g.jobs_running);
	metrics_gauge(f, "imagegen_jobs", NULL, "kind=\"prompt\","
	    "state=\"queued\"", (double)g.prompts_queued);
	metrics_gauge(f, "imagegen_jobs", NULL, "kind=\"prompt\","
	    "state=\"running\"", (double)g.prompts_running);
	metrics_gauge(f, "imagegen_storage_images", "Images recorded in the "
	    "database.", NULL, (double)g.images);
	metrics_gauge(f, "imagegen_storage_bytes", "Bytes of the images "
	    "recorded in the database.", NULL, (double)g.image_bytes);
}

enum err
handle_metrics(struct request *req, struct response *res)
{
	struct worker *w = req->w;
	const char *provs[METRICS_PROVIDER_NONE];
	struct metrics_names n = { w->labels.v, w->labels.n, provs, 0 };
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;
	enum err e;

	if ((e = metrics_access(req, res)) != ERR_OK)
		return e;
	for (i = 0; i < prov_registry_count && i < NELEM(provs); i++)
		provs[n.nproviders++] = prov_registry[i]->name;
	if ((f = open_memstream(&text, &len)) == NULL)
		return req_fail(res, ERR_NOMEM, "out of memory");
	e = metrics_render(w->metrics, &n, f);
	if (e == ERR_OK) {
		metrics_circuits(w, f);
		metrics_db(w, f);
	}
	if (fclose(f) != 0 && e == ERR_OK)
		e = ERR_NOMEM;
	if (e != ERR_OK) {
		free(text);
		return req_fail(res, e, "the metrics could not be rendered");
	}
	return res_text_take(res, 200, PROM_CONTENT_TYPE, text, len);
}
