/*
 * app/serve.h - one request through the pipeline: request id, CORS,
 * routing (404/405/OPTIONS), body cap (413), handler.
 * Not here: FastCGI I/O (worker.c), rendering bytes (request.c).
 */
#ifndef APP_SERVE_H
#define APP_SERVE_H

#include <stdbool.h>

#include "app/request.h"

/* Runs req through the pipeline into res (caller inits and frees both). */
void	serve_request(struct request *req, struct response *res);
/* True when s is a well-formed request id: 1-128 of [A-Za-z0-9._:-]. */
bool	serve_reqid_ok(const char *s);

#endif
