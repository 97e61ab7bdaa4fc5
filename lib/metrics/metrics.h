/*
 * lib/metrics/metrics.h - counters shared by every process of a host (the
 * master's workers and the runner): one fixed-layout MAP_SHARED mapping of
 * METRICS_FILE holding C11 atomic 64-bit counters, indexed by small
 * tables (route x status, histogram buckets, provider x outcome...).
 * Adding is one relaxed atomic add: no lock on the request path. The
 * master zeroes the counters when it starts (Prometheus reads a drop as
 * a counter reset); a worker that dies and is respawned keeps them.
 * Rendering is the Prometheus text format 0.0.4.
 * Not here: what is counted where (app/, handlers/), gauges read at
 * scrape time (handlers/metrics.c).
 */
#ifndef METRICS_METRICS_H
#define METRICS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/core/err.h"

#define METRICS_ROUTES		64	/* slots: index in the route table */
#define METRICS_ROUTE_NONE	(METRICS_ROUTES - 1)	/* no route matched */
#define METRICS_CODE_MIN	100	/* HTTP statuses 100..599 */
#define METRICS_CODES		500
#define METRICS_PROVIDERS	8	/* slots: index in the registry */
#define METRICS_PROVIDER_NONE	(METRICS_PROVIDERS - 1)	/* no provider */
#define METRICS_ERRS		64	/* attempt outcomes: enum err */
#define METRICS_BUCKETS_MAX	16

/* How a generation ended (the job's final state). */
enum metrics_gen {
	METRICS_GEN_COMPLETED = 0,
	METRICS_GEN_FAILED,
	METRICS_GEN_CANCELLED,
	METRICS_GEN__MAX
};

/* Who shortened a prompt. */
enum metrics_opt {
	METRICS_OPT_OLLAMA = 0,
	METRICS_OPT_LOCAL,
	METRICS_OPT__MAX
};

struct metrics_shm;

/* Labels of the slots, for rendering (all borrowed). */
struct metrics_route {
	const char	*method;	/* "GET" */
	const char	*path;		/* "/unified/jobs/{id}" */
};

struct metrics_names {
	const struct metrics_route *routes;	/* nroutes < METRICS_ROUTE_NONE */
	size_t			 nroutes;
	const char *const	*providers;	/* nproviders < ..._NONE */
	size_t			 nproviders;
};

/*
 * Maps the counters kept in file path (created when missing, resized when
 * its layout is another's), shared with every process that opens it;
 * reset zeroes them (the master, at start). NULL or "" maps anonymous
 * memory (shared only with children forked after). NULL on failure
 * (errno set). Free with metrics_shm_free().
 */
struct metrics_shm	*metrics_shm_open(const char *path, bool reset);
void			 metrics_shm_free(struct metrics_shm *m);

/* The slot of provider index i of n (the registry): NONE past them. */
static inline size_t
metrics_provider_slot(size_t i, size_t n)
{
	return i < n && i < METRICS_PROVIDER_NONE ? i : METRICS_PROVIDER_NONE;
}

/* Every add below does nothing when m is NULL (handler tests). */

/* One answered request: route slot, HTTP status, time taken. */
void	metrics_request(struct metrics_shm *m, size_t route, int status,
	    int64_t us);
/* One request a worker handed to the wait endpoint (its status and time
 * are counted by metrics_request() there). */
void	metrics_handoff(struct metrics_shm *m, size_t route);
/* One finished generation: provider slot, how it ended, time taken. */
void	metrics_generation(struct metrics_shm *m, size_t prov,
	    enum metrics_gen g, int64_t us);
/* One attempt at a provider and its outcome (ERR_OK: success). */
void	metrics_attempt(struct metrics_shm *m, size_t prov, enum err e);
/* A generation moved from provider slot from to provider slot to. */
void	metrics_fallback(struct metrics_shm *m, size_t from, size_t to);
/* The method named name ("ollama", "local"); METRICS_OPT__MAX for any
 * other ("none": nothing was shortened). */
enum metrics_opt metrics_opt_of(const char *name);
/* A prompt shortened by method (METRICS_OPT__MAX: ignored), from chars_before to chars_after;
 * fell_back: the local compressor answered in Ollama's place. */
void	metrics_prompt(struct metrics_shm *m, enum metrics_opt method,
	    size_t chars_before, size_t chars_after, bool fell_back);

/* The counter families in Prometheus text format 0.0.4 to f (series
 * that are zero are left out). ERR_INTERNAL when f fails. */
enum err metrics_render(const struct metrics_shm *m,
	    const struct metrics_names *n, FILE *f);
/* "name{labels} value\n" with the # HELP and # TYPE lines before it when
 * help is not NULL: a gauge read at scrape time. */
void	metrics_gauge(FILE *f, const char *name, const char *help,
	    const char *labels, double value);
/* A route pattern ("^/unified/jobs/([0-9a-f-]{36})$") as its label
 * ("/unified/jobs/{id}") into buf. */
void	metrics_route_label(const char *pattern, char *buf, size_t len);

#endif
