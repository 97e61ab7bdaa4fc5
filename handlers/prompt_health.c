/*
 * handlers/prompt_health.c - GET /unified/prompt-validator/health: is
 * Ollama reachable, its version, is the model present, the round trip.
 * Always 200: the service degrades to the local compressor, so this
 * reports "degraded", never fails.
 * Not here: the calls (lib/ollama).
 */
#include <stdio.h>

#include "app/worker.h"
#include "handlers/handlers.h"

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
	if (e == ERR_OK && !present)
		snprintf(why, sizeof(why), "model %s is not installed", o->model);
	return res_json_take(res, 200, json_pack("{s:s,s:{s:b,s:b,s:s,s:s,"
	    "s:s?,s:b,s:f,s:s?},s:{s:b},s:s}",
	    "status", ok ? "ok" : "degraded",
	    "ollama", "ok", ok, "reachable", e == ERR_OK, "url", o->url,
	    "model", o->model, "version", o->version[0] ? o->version : NULL,
	    "model_present", present, "latency_ms", ms, "error",
	    why[0] ? why : NULL,
	    "local_compressor", "ok", 1,
	    "fallback", ok ? "ollama first, local compressor on failure" :
	    "local compressor"));
}
