/*
 * app/auth.h - client keys on the request path: the Bearer key of a
 * request checked against its route's scope and its limits, the scope of
 * its database rows, and the project a request may name.
 * Not here: key storage and SQL (lib/auth/keys.c), the route table.
 */
#ifndef APP_AUTH_H
#define APP_AUTH_H

#include <stdbool.h>

#include "app/request.h"
#include "lib/auth/keys.h"

struct route;

/*
 * Lets req through to rt's handler or fails res (401, 403, 429, 503).
 * Sets the rows the request's queries may see (db_scope_set): none for a
 * public route, the key's project (every project for an admin key or
 * AUTH=off) otherwise; fills req->key.
 */
enum err	auth_request(struct request *req, struct response *res,
		    const struct route *rt);
/*
 * The project a request names (asked: NULL when it names none) checked
 * against its key, into *out: asked, or the key's own project when asked
 * is NULL and any is false; NULL (every project the scope allows) when
 * asked is NULL, any is true and the key may see all. 403 for another
 * project than a plain key's, 404 for an admin key's unknown project.
 */
enum err	auth_project(struct request *req, struct response *res,
		    const char *asked, bool any, const char **out);
/* Where a request's own rows go: its key's project, else "default". */
const char	*auth_home_project(const struct request *req);
/* Refuses (429) a key's n new generations over its in-flight limit. */
enum err	auth_inflight(struct request *req, struct response *res,
		    long n);

#endif
