/*
 * tests/unit/app/test_openapi.c - docs/openapi.json (served at
 * /openapi.json, read by /docs) against the route table: every route of
 * app_routes is described with its method and the scope its key needs,
 * every described operation has its route, and the file lints clean with
 * @redocly/cli (offline: docs/redocly.yaml turns telemetry off).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "app/routes.h"
#include "lib/auth/keys.h"
#include "lib/core/util.h"

#define SPEC		"docs/openapi.json"
#define ID_CAPTURE	"([0-9a-fA-F-]{36})"
#define OUT_MAX		65536

/* Scope bits of the route table -> the scope named in the spec. */
static const struct {
	unsigned	 bit;
	const char	*name;
} scopes[] = {
	{ KEY_SCOPE_READ,	"read" },
	{ KEY_SCOPE_GENERATE,	"generate" },
	{ KEY_SCOPE_ADMIN,	"admin" },
};

static json_t *
spec_load(void)
{
	json_error_t je;
	json_t *s = json_load_file(SPEC, 0, &je);

	cr_assert_not_null(s, "%s:%d: %s", SPEC, je.line, je.text);
	return s;
}

/* "^/unified/jobs/([0-9a-fA-F-]{36})$" -> "/unified/jobs/{id}". */
static void
route_template(const char *pattern, char *out, size_t len)
{
	const char *p = pattern + (pattern[0] == '^');
	size_t n = 0, cl = strlen(ID_CAPTURE);

	while (*p != '\0' && !(p[0] == '$' && p[1] == '\0') && n + 5 < len) {
		if (strncmp(p, ID_CAPTURE, cl) == 0) {
			n += (size_t)snprintf(out + n, len - n, "{id}");
			p += cl;
			continue;
		}
		cr_assert(strchr("()[]{}*+?|\\.", *p) == NULL, "route %s: "
		    "teach route_template() this pattern", pattern);
		out[n++] = *p++;
	}
	out[n] = '\0';
}

static void
lower(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[i] = '\0';
}

/* The security of op (its own, else the spec's) is the route's: none
 * ([]) for a public one, else bearerKey with the scope's name. */
static void
check_security(const json_t *spec, const json_t *op, unsigned scope,
    const char *what)
{
	const json_t *sec = json_object_get(op, "security"), *req, *names;
	size_t i;

	if (sec == NULL)
		sec = json_object_get(spec, "security");
	cr_assert(json_is_array(sec), "%s: no security", what);
	if (scope == KEY_SCOPE_NONE) {
		cr_assert_eq(json_array_size(sec), 0, "%s is public: "
		    "\"security\": [] expected", what);
		return;
	}
	cr_assert_eq(json_array_size(sec), 1, "%s: one requirement", what);
	req = json_array_get(sec, 0);
	names = json_object_get(req, "bearerKey");
	cr_assert_eq(json_array_size(names), 1, "%s: bearerKey [scope]", what);
	for (i = 0; i < NELEM(scopes); i++)
		if (scopes[i].bit == scope)
			break;
	cr_assert_lt(i, NELEM(scopes), "%s: scope %u has no name", what,
	    scope);
	cr_assert_str_eq(json_string_value(json_array_get(names, 0)),
	    scopes[i].name, "%s: scope", what);
}

Test(openapi, every_route_is_described_with_its_scope)
{
	json_t *spec = spec_load(), *op;
	char path[256], method[16], what[300];
	size_t i;

	cr_assert_str_eq(json_string_value(json_object_get(spec, "openapi")),
	    "3.1.0");
	for (i = 0; i < app_nroutes; i++) {
		route_template(app_routes[i].pattern, path, sizeof(path));
		lower(app_routes[i].method, method, sizeof(method));
		snprintf(what, sizeof(what), "%s %s", app_routes[i].method,
		    path);
		op = json_object_get(json_object_get(json_object_get(spec,
		    "paths"), path), method);
		cr_assert_not_null(op, "%s is not in %s", what, SPEC);
		cr_assert_not_null(json_object_get(op, "summary"), "%s", what);
		cr_assert_not_null(json_object_get(op, "responses"), "%s",
		    what);
		check_security(spec, op, app_routes[i].scope, what);
	}
	json_decref(spec);
}

/* Is method path (spec's spelling) a row of app_routes? The paths nginx
 * serves itself (/storage/, /openapi.json, /docs) are not described. */
static bool
has_route(const char *method, const char *path)
{
	char tpl[256], m[16];
	size_t i;

	for (i = 0; i < app_nroutes; i++) {
		route_template(app_routes[i].pattern, tpl, sizeof(tpl));
		lower(app_routes[i].method, m, sizeof(m));
		if (strcmp(tpl, path) == 0 && strcmp(m, method) == 0)
			return true;
	}
	return false;
}

Test(openapi, every_described_operation_has_its_route)
{
	json_t *spec = spec_load(), *item, *op;
	const char *path, *method;
	size_t n = 0;

	json_object_foreach(json_object_get(spec, "paths"), path, item) {
		json_object_foreach(item, method, op) {
			if (strcmp(method, "parameters") == 0)
				continue;
			cr_assert(has_route(method, path), "%s %s is in %s "
			    "but not in app/routes.c", method, path, SPEC);
			n++;
		}
	}
	cr_assert_geq(n, app_nroutes);
	json_decref(spec);
}

Test(openapi, lints_clean_with_redocly, .timeout = 120)
{
	char out[OUT_MAX];
	size_t n = 0;
	FILE *p;
	int st;

	p = popen("REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true "
	    "node tests/node/node_modules/@redocly/cli/bin/cli.js lint "
	    "--config docs/redocly.yaml " SPEC " 2>&1", "r");
	cr_assert_not_null(p);
	while (n < sizeof(out) - 1 && fgets(out + n, (int)(sizeof(out) - n),
	    p) != NULL)
		n += strlen(out + n);
	st = pclose(p);
	cr_assert_eq(st, 0, "redocly lint (make npm-deps installs it):\n%s",
	    out);
	cr_assert_not_null(strstr(out, "is valid"), "%s", out);
	/* "You have N warnings." (the recommended rules warn, not fail) */
	cr_assert_null(strstr(out, "You have "), "%s", out);
}
