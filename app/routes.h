/*
 * app/routes.h - the API's route table.
 * Not here: matching (router.c).
 */
#ifndef APP_ROUTES_H
#define APP_ROUTES_H

#include <stddef.h>

#include "app/router.h"
#include "lib/metrics/metrics.h"

extern const struct route	app_routes[];
extern const size_t		app_nroutes;

/* The labels of every route ("GET", "/unified/jobs/{id}") for metrics
 * and the request log, made once per process. */
struct app_route_labels {
	char			 path[METRICS_ROUTES][96];
	struct metrics_route	 v[METRICS_ROUTES];
	size_t			 n;
};

void		app_route_labels_init(struct app_route_labels *l);
/* The metrics slot of route r of app_routes (NULL, or a route of another
 * table: METRICS_ROUTE_NONE). */
size_t		app_route_slot(const struct route *r);

#endif
