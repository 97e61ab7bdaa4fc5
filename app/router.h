/*
 * app/router.h - PCRE2 dispatch: (method, path regex) -> handler.
 * Patterns are compiled once per worker (JIT where available).
 * Not here: the route table (routes.c), calling the handler (serve.c).
 */
#ifndef APP_ROUTER_H
#define APP_ROUTER_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "lib/core/err.h"

#define ROUTER_MAX_CAPTURES	4
#define ROUTER_ALLOW_MAX	64

struct request;
struct response;

typedef enum err (*route_fn)(struct request *, struct response *);

struct route {
	const char	*method;	/* "GET" also answers HEAD */
	const char	*pattern;	/* anchored PCRE2 pattern */
	route_fn	 fn;
	unsigned	 scope;		/* KEY_SCOPE_* a key needs; 0: public */
};

struct router_entry {
	const struct route	*route;
	pcre2_code		*re;
};

struct router {
	struct router_entry	*v;
	size_t			 n;
	pcre2_match_data	*md;
};

struct router_match {
	const struct route	*route;		/* NULL unless ERR_OK */
	size_t			 ncap;
	size_t			 cap_off[ROUTER_MAX_CAPTURES];
	size_t			 cap_len[ROUTER_MAX_CAPTURES];
	char			 allow[ROUTER_ALLOW_MAX];	/* "GET, POST" */
};

/*
 * Compiles n routes (borrowed; must outlive the router). On a bad pattern
 * returns ERR_INTERNAL with the pattern and PCRE2's message in why.
 * Caller frees with router_fini().
 */
enum err	router_init(struct router *r, const struct route *routes,
		    size_t n, char *why, size_t whylen);
void		router_fini(struct router *r);
/*
 * Finds the route for method and path. ERR_NOT_FOUND when no pattern
 * matches; ERR_METHOD_NOT_ALLOWED when one does for other methods, with
 * m->allow listing them. OPTIONS is never routed: ERR_METHOD_NOT_ALLOWED
 * with m->allow set (the caller answers preflight / OPTIONS itself).
 */
enum err	router_match(const struct router *r, const char *method,
		    const char *path, struct router_match *m);

#endif
