/*
 * app/doctor.c - `imagegen doctor`: one row per check (the database,
 * each provider, Ollama) with the endpoint kind, a verdict, the latency
 * and the fix in one line, each with the cheapest documented call (the
 * providers' health requests, Ollama's /api/tags, SELECT of the
 * migrations). Never prints a URL or a key.
 * Not here: the health requests (each provider's health_begin, run.c,
 * lib/ollama), the HTTP view of the same (handlers/providers.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/doctor.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/migrate.h"
#include "lib/db/provider_configs.h"
#include "lib/gen/plan.h"
#include "lib/http/http.h"
#include "lib/http/url.h"
#include "lib/log/log.h"
#include "lib/ollama/ollama.h"
#include "lib/providers/registry.h"
#include "lib/providers/run.h"

#define EX_DOCTOR_USAGE	2

enum verdict {
	V_OK = 0,
	V_AUTH,
	V_UNREACHABLE,
	V_MODEL_MISSING,
	V_MIGRATIONS,
	V_FAILED,
	V_UNCONFIGURED,
};

static const char *const verdict_names[] = {
	[V_OK] = "ok",
	[V_AUTH] = "auth failed",
	[V_UNREACHABLE] = "unreachable",
	[V_MODEL_MISSING] = "model missing",
	[V_MIGRATIONS] = "migrations pending",
	[V_FAILED] = "failed",
	[V_UNCONFIGURED] = "not configured",
};

/* A health error -> the verdict shown. */
static const struct {
	enum err	e;
	enum verdict	v;
} err_verdicts[] = {
	{ ERR_OK,			V_OK },
	{ ERR_PROVIDER_AUTH,		V_AUTH },
	{ ERR_PROVIDER_UNAVAILABLE,	V_UNREACHABLE },
	{ ERR_TIMEOUT,			V_UNREACHABLE },
	{ ERR_DB_UNAVAILABLE,		V_UNREACHABLE },
};

/* The settings named in a provider's fix lines. */
static const struct {
	const char	*name;
	const char	*key;		/* NULL: no key */
	const char	*url;
} settings[] = {
	{ "leonardo_ai",	"LEONARDO_API_KEY",	"LEONARDO_BASE_URL" },
	{ "runware_ai",		"RUNWARE_API_KEY",	"RUNWARE_BASE_URL" },
	{ "gemini",		"GEMINI_API_KEY",	"GEMINI_BASE_URL" },
	{ "comfyui",		NULL,			"COMFYUI_URL" },
};

struct row {
	const char	*name;
	const char	*kind;		/* real / sandbox / local / - */
	enum verdict	 v;
	double		 ms;		/* < 0: not measured */
	char		 fix[256];
};

struct doctor {
	const struct config	*cfg;
	const char		*envfile;
	struct log		 log;
	struct db		 db;
	struct http_client	 http;
	struct db_provider_config pcs[PLAN_MAX];
	size_t			 npcs;
};

static enum verdict
verdict_of(enum err e)
{
	size_t i;

	for (i = 0; i < NELEM(err_verdicts); i++)
		if (err_verdicts[i].e == e)
			return err_verdicts[i].v;
	return V_FAILED;
}

/* "sandbox" when stack.sh pointed name at the sandbox, else local/real. */
static const char *
kind_of(const struct config *cfg, const char *name, const char *url)
{
	if (http_list_has(cfg->sandbox_providers, name))
		return "sandbox";
	return http_url_local(url) ? "local" : "real";
}

static void
row_print(const struct row *r)
{
	char ms[32] = "-";

	if (r->ms >= 0)
		snprintf(ms, sizeof(ms), "%.0f ms", r->ms);
	printf("%-12s %-8s %-18s %9s  %s\n", r->name, r->kind,
	    verdict_names[r->v], ms, r->fix[0] ? r->fix : "-");
}

static void
check_db(struct doctor *d, struct row *r)
{
	int64_t t0 = time_mono_ms();
	int pending = 0;
	enum err e;

	*r = (struct row){ .name = "database", .kind = "-", .ms = -1 };
	e = db_migrate_pending(&d->db, &pending);
	r->ms = (double)(time_mono_ms() - t0);
	r->v = e == ERR_OK && pending > 0 ? V_MIGRATIONS : verdict_of(e);
	if (r->v == V_MIGRATIONS)
		snprintf(r->fix, sizeof(r->fix), "%d migration(s) not applied: "
		    "imagegen migrate", pending);
	else if (r->v != V_OK)
		snprintf(r->fix, sizeof(r->fix), "start PostgreSQL or fix "
		    "DATABASE_URL in %s (%s)", d->envfile, err_code(e));
	if (e == ERR_OK && db_provider_configs_load(&d->db, d->pcs,
	    NELEM(d->pcs), &d->npcs) != ERR_OK)
		d->npcs = 0;
}

static void
prov_fix(const struct doctor *d, const struct provider *p, enum err e,
    struct row *r)
{
	const char *key = NULL, *url = "its base URL";
	size_t i;

	for (i = 0; i < NELEM(settings); i++)
		if (strcmp(settings[i].name, p->name) == 0) {
			key = settings[i].key;
			url = settings[i].url;
		}
	if (r->v == V_UNCONFIGURED)
		snprintf(r->fix, sizeof(r->fix), "set %s in %s", key ? key :
		    url, d->envfile);
	else if (r->v == V_AUTH)
		snprintf(r->fix, sizeof(r->fix), "%s was refused: set a valid "
		    "key in %s", key ? key : "the key", d->envfile);
	else if (r->v == V_UNREACHABLE)
		snprintf(r->fix, sizeof(r->fix), "check %s in %s and that the "
		    "service is up", url, d->envfile);
	else if (r->v == V_FAILED)
		snprintf(r->fix, sizeof(r->fix), "unexpected answer (%s): check "
		    "%s and the model in provider_configs", err_code(e), url);
}

static void
check_provider(struct doctor *d, const struct provider *p, struct row *r)
{
	struct prov_ctx ctx;
	char why[512];
	double ms = -1;
	enum err e = ERR_OK;

	plan_ctx_init(d->cfg, p, db_provider_config_find(d->pcs, d->npcs,
	    p->name), &ctx);
	*r = (struct row){ .name = p->name, .kind = kind_of(d->cfg, p->name,
	    ctx.base_url), .v = V_UNCONFIGURED, .ms = -1 };
	if (p->unconfigured(d->cfg) == NULL) {
		e = prov_health(p, &ctx, &d->http, &ms, why, sizeof(why));
		r->v = verdict_of(e);
		r->ms = ms;
	}
	prov_fix(d, p, e, r);
}

static void
check_ollama(struct doctor *d, struct row *r)
{
	const struct config *cfg = d->cfg;
	struct ollama o;
	int64_t t0 = time_mono_ms();
	char why[512];
	bool present = false;
	enum err e;

	*r = (struct row){ .name = "ollama", .kind = kind_of(cfg, "ollama",
	    cfg->ollama_url), .v = V_UNCONFIGURED, .ms = -1 };
	if (cfg->ollama_url == NULL || cfg->ollama_url[0] == '\0') {
		snprintf(r->fix, sizeof(r->fix), "set OLLAMA_URL in %s",
		    d->envfile);
		return;
	}
	ollama_init(&o, cfg, &d->http);
	e = ollama_model_check(&o, true, &present, why, sizeof(why));
	r->ms = (double)(time_mono_ms() - t0);
	r->v = e == ERR_OK && !present ? V_MODEL_MISSING : verdict_of(e);
	if (r->v == V_MODEL_MISSING)
		snprintf(r->fix, sizeof(r->fix), "ollama pull %s",
		    cfg->ollama_model);
	else if (r->v != V_OK)
		snprintf(r->fix, sizeof(r->fix), "start Ollama (ollama serve) "
		    "or fix OLLAMA_URL in %s", d->envfile);
}

int
doctor_run(struct config *cfg, const char *envfile, int argc, char **argv)
{
	struct doctor d = { .cfg = cfg, .envfile = envfile };
	struct row r;
	size_t i;
	int bad = 0;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "usage: imagegen doctor (no arguments)\n");
		return EX_DOCTOR_USAGE;
	}
	log_init(&d.log, STDERR_FILENO, cfg, "doctor");
	db_init(&d.db, cfg, &d.log);
	http_client_init(&d.http);
	printf("%-12s %-8s %-18s %9s  %s\n", "CHECK", "ENDPOINT", "VERDICT",
	    "LATENCY", "FIX");
	check_db(&d, &r);
	row_print(&r);
	bad += r.v != V_OK;
	for (i = 0; i < prov_registry_count; i++) {
		check_provider(&d, prov_registry[i], &r);
		row_print(&r);
		bad += r.v != V_OK && r.v != V_UNCONFIGURED;
	}
	check_ollama(&d, &r);
	row_print(&r);
	bad += r.v != V_OK && r.v != V_UNCONFIGURED;
	http_client_fini(&d.http);
	db_close(&d.db);
	return bad ? 1 : 0;
}
