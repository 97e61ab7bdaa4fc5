/*
 * app/router.c - compile and match the route table with PCRE2.
 * Not here: which routes exist (routes.c), HTTP rendering.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/router.h"

enum err
router_init(struct router *r, const struct route *routes, size_t n,
    char *why, size_t whylen)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;
	size_t i;

	memset(r, 0, sizeof(*r));
	if ((r->v = calloc(n, sizeof(*r->v))) == NULL)
		return ERR_NOMEM;
	for (i = 0; i < n; i++, r->n++) {
		r->v[i].route = &routes[i];
		r->v[i].re = pcre2_compile((PCRE2_SPTR)routes[i].pattern,
		    PCRE2_ZERO_TERMINATED, PCRE2_ANCHORED | PCRE2_DOLLAR_ENDONLY,
		    &code, &off, NULL);
		if (r->v[i].re == NULL) {
			pcre2_get_error_message(code, msg, sizeof(msg));
			snprintf(why, whylen, "route %s %s: %s at offset %zu",
			    routes[i].method, routes[i].pattern, msg,
			    (size_t)off);
			router_fini(r);
			return ERR_INTERNAL;
		}
		(void)pcre2_jit_compile(r->v[i].re, PCRE2_JIT_COMPLETE);
	}
	if ((r->md = pcre2_match_data_create(ROUTER_MAX_CAPTURES + 1,
	    NULL)) == NULL) {
		router_fini(r);
		return ERR_NOMEM;
	}
	return ERR_OK;
}

void
router_fini(struct router *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		pcre2_code_free(r->v[i].re);
	free(r->v);
	pcre2_match_data_free(r->md);
	memset(r, 0, sizeof(*r));
}

static int
method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	    (strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

/* Appends method (and HEAD after GET) to the Allow list once. */
static void
allow_add(char *allow, const char *method)
{
	size_t len = strlen(allow);

	if (strstr(allow, method) != NULL)
		return;
	snprintf(allow + len, ROUTER_ALLOW_MAX - len, "%s%s%s",
	    len ? ", " : "", method,
	    strcmp(method, "GET") == 0 ? ", HEAD" : "");
}

static void
match_captures(const struct router *r, struct router_match *m, int rc)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
	size_t i;

	m->ncap = rc > 1 ? (size_t)rc - 1 : 0;
	if (m->ncap > ROUTER_MAX_CAPTURES)
		m->ncap = ROUTER_MAX_CAPTURES;
	for (i = 0; i < m->ncap; i++) {
		m->cap_off[i] = ov[2 * (i + 1)];
		m->cap_len[i] = ov[2 * (i + 1) + 1] - ov[2 * (i + 1)];
	}
}

enum err
router_match(const struct router *r, const char *method, const char *path,
    struct router_match *m)
{
	size_t i, len = strlen(path);
	int rc;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < r->n; i++) {
		rc = pcre2_match(r->v[i].re, (PCRE2_SPTR)path, len, 0, 0,
		    r->md, NULL);
		if (rc < 0)
			continue;
		if (strcmp(method, "OPTIONS") != 0 &&
		    method_matches(r->v[i].route->method, method)) {
			m->route = r->v[i].route;
			match_captures(r, m, rc);
			return ERR_OK;
		}
		allow_add(m->allow, r->v[i].route->method);
	}
	if (m->allow[0] == '\0')
		return ERR_NOT_FOUND;
	allow_add(m->allow, "OPTIONS");
	return ERR_METHOD_NOT_ALLOWED;
}
