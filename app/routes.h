/*
 * app/routes.h - the API's route table.
 * Not here: matching (router.c).
 */
#ifndef APP_ROUTES_H
#define APP_ROUTES_H

#include <stddef.h>

#include "app/router.h"

extern const struct route	app_routes[];
extern const size_t		app_nroutes;

#endif
