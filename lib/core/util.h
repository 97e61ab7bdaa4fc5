/*
 * lib/core/util.h - tiny macros shared by every module.
 * Not here: anything with state.
 */
#ifndef CORE_UTIL_H
#define CORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

/* For impossible states only: logs file:line and aborts (kcgi XWARNX). */
#define IMPOSSIBLE(what) do {						\
	fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"impossible: %s\","	\
	    "\"at\":\"%s:%d\"}\n", (what), __FILE__, __LINE__);	\
	abort();							\
} while (0)

#endif
