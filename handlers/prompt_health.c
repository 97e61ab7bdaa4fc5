/*
 * handlers/prompt_health.c - GET /unified/prompt-validator/health: is
 * Ollama reachable, its version, is the model present, the round trip;
 * whether it is configured and local, never its URL or what it said.
 * Always 200: the service degrades to the local compressor, so this
 * reports "degraded", never fails.
 * Not here: the calls (lib/ollama).
 */
#include "app/worker.h"
#include "handlers/handlers.h"
#include "lib/http/http.h"
#include "lib/http/url.h"

/* What a client may see of a failed check: its code, or that the model
 * is missing (what Ollama or curl said, with its address, is logged). */
static const char *
public_error(struct request *req, enum err e, bool present, const char *why)
{
	if (e == ERR_OK)
		return present ? NULL : "model_not_installed";
	log_warn(&req->w->log, "prompt validator health: %s", why);
	return err_code(e);
}

enum err
handle_prompt_health(struct request *req, struct response *res)
{
	struct ollama *o = &req->w->ollama;
	char why[256] = "";
	bool present = false;
	double ms = 0;
	enum err e;
	int ok;

	e = ollama_version_get(o, &ms, why, sizeof(why));
	if (e == ERR_OK)
		e = ollama_model_check(o, true, &present, why, sizeof(why));
	ok = e == ERR_OK && present;
	return res_json_take(res, 200, json_pack("{s:s,s:{s:b,s:b,s:b,s:b,s:s,"
	    "s:s?,s:b,s:f,s:s?},s:{s:b},s:s}",
	    "status", ok ? "ok" : "degraded",
	    "ollama", "ok", ok, "reachable", e == ERR_OK, "configured",
	    o->url != NULL && o->url[0] != '\0', "local",
	    http_url_local(o->url ? o->url : ""), "model", o->model,
	    "version", o->version[0] ? o->version : NULL,
	    "model_present", present, "latency_ms", ms, "error",
	    public_error(req, e, present, why),
	    "local_compressor", "ok", 1,
	    "fallback", ok ? "ollama first, local compressor on failure" :
	    "local compressor"));
}
