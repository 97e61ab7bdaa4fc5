/*
 * tests/helpers/testworker.h - an in-process worker for handler tests
 * (h2o loopback style): real config, router and pipeline, no FastCGI.
 * Not here: HTTP over sockets (tests/integration/).
 */
#ifndef TESTS_TESTWORKER_H
#define TESTS_TESTWORKER_H

#include <jansson.h>

#include "app/request.h"
#include "app/worker.h"

struct tw {
	struct config	cfg;
	struct worker	w;
	int		logfd;
};

struct tw_call {
	struct request	 req;
	struct response	 res;
	char		*env[48];
	int		 nenv;
	int		 status;
	char		*body;		/* rendered body or NULL */
	json_t		*json;		/* parsed body or NULL */
};

/* Sets each "KEY=VALUE" of settings (NULL-ended, may be NULL) in the
 * environment, loads the config and builds the worker; aborts the test
 * on failure. */
void		tw_init(struct tw *t, const char *const *settings);
void		tw_fini(struct tw *t);
/* Runs one request through serve_request(). headers are FastCGI params
 * ("HTTP_ORIGIN=https://a"), NULL-ended, may be NULL. */
void		tw_run(struct tw *t, struct tw_call *c, const char *method,
		    const char *uri, const char *body,
		    const char *const *headers);
void		tw_call_fini(struct tw_call *c);
/* Borrowed string at a dotted path of c->json ("error.code"), or NULL. */
const char	*tw_str(const struct tw_call *c, const char *path);

#endif
