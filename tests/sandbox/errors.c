/*
 * tests/sandbox/errors.c - each API's own error body.
 * Not here: when errors happen (the protocols, faults).
 */
#include <stdio.h>

#include "tests/sandbox/sandbox.h"

static const char *
google_status(int status)
{
	switch (status) {
	case 400: return "INVALID_ARGUMENT";
	case 401: return "UNAUTHENTICATED";
	case 403: return "PERMISSION_DENIED";
	case 404: return "NOT_FOUND";
	case 429: return "RESOURCE_EXHAUSTED";
	case 503: return "UNAVAILABLE";
	default:  return "INTERNAL";
	}
}

json_t *
sb_error_body(enum sb_kind k, int status, const char *msg)
{
	char code[32];

	snprintf(code, sizeof(code), "e%d", status);
	switch (k) {
	case SB_LEONARDO:
		return json_pack("{s:s,s:s,s:s}", "error", msg, "path", "$",
		    "code", code);
	case SB_RUNWARE:
		return json_pack("{s:[{s:s,s:s}]}", "errors", "code", code,
		    "message", msg);
	case SB_GEMINI:
		if (status == 429)
			return json_pack("{s:{s:i,s:s,s:s,s:[{s:s,s:s}]}}",
			    "error", "code", status, "message", msg, "status",
			    google_status(status), "details", "@type",
			    "type.googleapis.com/google.rpc.RetryInfo",
			    "retryDelay", "2s");
		return json_pack("{s:{s:i,s:s,s:s}}", "error", "code", status,
		    "message", msg, "status", google_status(status));
	case SB_COMFYUI:
		return json_pack("{s:{s:s,s:s},s:{}}", "error", "type", code,
		    "message", msg, "node_errors");
	default:
		return json_pack("{s:s}", "error", msg);
	}
}

/* What generativelanguage.googleapis.com answers a bad or malformed key:
 * 400 INVALID_ARGUMENT with an ErrorInfo detail, not 403. */
json_t *
sb_gemini_key_invalid(void)
{
	const char *msg = "API key not valid. Please pass a valid API key.";

	return json_pack("{s:{s:i,s:s,s:s,s:[{s:s,s:s,s:s,s:{s:s}},"
	    "{s:s,s:s,s:s}]}}", "error", "code", 400, "message", msg, "status",
	    "INVALID_ARGUMENT", "details", "@type",
	    "type.googleapis.com/google.rpc.ErrorInfo", "reason",
	    "API_KEY_INVALID", "domain", "googleapis.com", "metadata",
	    "service", "generativelanguage.googleapis.com", "@type",
	    "type.googleapis.com/google.rpc.LocalizedMessage", "locale",
	    "en-US", "message", msg);
}
