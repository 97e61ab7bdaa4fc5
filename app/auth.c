/*
 * app/auth.c - the Bearer key of a request: checked, counted, scoped.
 * Not here: key SQL (lib/auth/keys.c).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/auth.h"
#include "app/router.h"
#include "app/worker.h"
#include "lib/core/timeutil.h"

#define BEARER		"Bearer "
#define AUTH_STALE_MS	(10 * 60 * 1000)	/* cached keys, DB away */

/* The key text of "Authorization: Bearer <key>"; NULL if none. */
static const char *
auth_bearer(struct request *req)
{
	const char *h = req_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, BEARER, sizeof(BEARER) - 1) != 0)
		return NULL;
	h += sizeof(BEARER) - 1;
	while (*h == ' ')
		h++;
	return *h != '\0' ? h : NULL;
}

static void
auth_limit_headers(struct response *res, const struct key_auth *k)
{
	char *v;
	long left = k->rate_per_min - k->used;

	if (k->rate_per_min <= 0)
		return;
	if ((v = arena_printf(res->arena, "%ld", k->rate_per_min)) != NULL)
		res_header(res, "RateLimit-Limit", v);
	if ((v = arena_printf(res->arena, "%ld", left > 0 ? left : 0)) != NULL)
		res_header(res, "RateLimit-Remaining", v);
	if ((v = arena_printf(res->arena, "%ld", k->reset_s)) != NULL)
		res_header(res, "RateLimit-Reset", v);
}

/* 401 with the challenge RFC 6750 asks for. */
static enum err
auth_refuse(struct response *res, enum err e)
{
	res_header(res, "WWW-Authenticate", e == ERR_AUTH_REQUIRED ?
	    "Bearer realm=\"imagegen\"" :
	    "Bearer realm=\"imagegen\", error=\"invalid_token\"");
	return req_fail(res, e, "%s", err_row_get(e)->message);
}

enum err
auth_request(struct request *req, struct response *res,
    const struct route *rt)
{
	const struct config *cfg = req->w->cfg;
	struct key_auth *k = &req->key;
	const char *text;
	char *v;
	enum err e;

	db_scope_set(&req->w->db, "");
	if (rt->scope == KEY_SCOPE_NONE)
		return ERR_OK;
	if (!cfg_auth_on(cfg)) {
		db_scope_set(&req->w->db, "*");
		return ERR_OK;
	}
	if ((text = auth_bearer(req)) == NULL)
		return auth_refuse(res, ERR_AUTH_REQUIRED);
	e = keys_check(&req->w->db, text, cfg->key_rate_per_min,
	    cfg->key_max_inflight, k);
	if (e == ERR_OK)
		keys_cache_put(&req->w->keys, text, k, time_mono_ms());
	/* The database is away: a key it vouched for lately still goes
	 * (uncounted) where no query is needed. */
	if (e == ERR_DB_UNAVAILABLE && keys_cache_get(&req->w->keys, text,
	    time_mono_ms(), AUTH_STALE_MS, k)) {
		k->used = 0;
		e = ERR_OK;
	}
	if (e == ERR_AUTH_INVALID || e == ERR_AUTH_REVOKED)
		return auth_refuse(res, e);
	if (e == ERR_DB_UNAVAILABLE)
		res_header(res, "Retry-After", "2");
	if (e != ERR_OK)
		return req_fail(res, e, "the API key could not be checked (%s)",
		    err_code(e));
	req->keyed = true;
	auth_limit_headers(res, k);
	if (!keys_scope_has(k->scopes, rt->scope))
		return req_fail(res, ERR_SCOPE_FORBIDDEN, "this route needs "
		    "the %s scope", rt->scope == KEY_SCOPE_GENERATE ?
		    "generate" : "read");
	if (k->rate_per_min > 0 && k->used > k->rate_per_min) {
		if ((v = arena_printf(res->arena, "%ld", k->reset_s)) != NULL)
			res_header(res, "Retry-After", v);
		return req_fail(res, ERR_KEY_RATE_LIMITED, "this key's %ld "
		    "requests per minute are spent; try again in %ld s",
		    k->rate_per_min, k->reset_s);
	}
	db_scope_set(&req->w->db, k->scopes & KEY_SCOPE_ADMIN ? "*" :
	    k->project);
	return ERR_OK;
}

/* Is there a project id (visible to this admin key: all)? */
static enum err
auth_project_exists(struct request *req, const char *id, bool *yes)
{
	const char *p[1] = { id };
	PGresult *r = NULL;
	enum err e;

	e = db_exec(&req->w->db, "SELECT 1 FROM projects WHERE id::text = $1",
	    1, p, &r);
	*yes = e == ERR_OK && PQntuples(r) > 0;
	PQclear(r);
	return e;
}

enum err
auth_project(struct request *req, struct response *res, const char *asked,
    bool any, const char **out)
{
	bool admin = (req->key.scopes & KEY_SCOPE_ADMIN) != 0, yes;
	enum err e;

	*out = asked;
	if (!req->keyed)
		return ERR_OK;
	if (asked == NULL) {
		*out = any && admin ? NULL : req->key.project;
		return ERR_OK;
	}
	if (strcmp(asked, req->key.project) == 0)
		return ERR_OK;
	if (!admin)
		return req_fail(res, ERR_PROJECT_FORBIDDEN, "this key belongs "
		    "to project %s, not %.64s", req->key.project, asked);
	if ((e = auth_project_exists(req, asked, &yes)) != ERR_OK)
		return req_fail(res, e, "the project could not be looked up "
		    "(%s)", err_code(e));
	if (!yes)
		return req_fail(res, ERR_PROJECT_NOT_FOUND, "no project "
		    "%.64s: make it with imagegen keys create --project",
		    asked);
	return ERR_OK;
}

enum err
auth_inflight(struct request *req, struct response *res, long n)
{
	long now;
	enum err e;

	if (!req->keyed || req->key.max_inflight <= 0)
		return ERR_OK;
	if ((e = keys_inflight(&req->w->db, req->key.id, &now)) != ERR_OK)
		return req_fail(res, e, "the key's jobs could not be counted "
		    "(%s)", err_code(e));
	if (now + n <= req->key.max_inflight)
		return ERR_OK;
	res_header(res, "Retry-After", "1");
	return req_fail(res, ERR_KEY_INFLIGHT, "this key has %ld generations "
	    "queued or running and may have %ld; wait for some to end", now,
	    req->key.max_inflight);
}

const char *
auth_home_project(const struct request *req)
{
	return req->keyed ? req->key.project : "default";
}
