/*
 * app/waiter.h - the wait endpoint: where nginx parks a client whose
 * job is queued (the worker answered X-Accel-Redirect: /__wait/...). One
 * thread, event-driven (libmicrohttpd over epoll, connections suspended
 * while they wait), its own database connection LISTENing for finished
 * jobs: thousands of idle clients cost a few KB each, and a job finished
 * by any runner on any host answers its waiters.
 *   GET /__wait/job/{id}?wait=S&rid=R&cors=0|1    the job's answer
 *   GET /__wait/batch/{id}?wait=S&rid=R&cors=0|1  the batch's answer
 * (&route=N&t0=MS: the route slot of the request and when it came, for
 * its count in METRICS_FILE and its log line, written when it ends).
 * At the wait's end: 504 timeout + Location (the job goes on).
 * Not here: running jobs (runner.c), client-facing routes (handlers/).
 */
#ifndef APP_WAITER_H
#define APP_WAITER_H

#include "lib/config/config.h"

struct waiter;
struct metrics_shm;

/* Listens on cfg->runner_wait_listen ("host:port") and serves in a
 * thread of its own; NULL when it cannot (logged). Ended waits are
 * counted in metrics (borrowed, may be NULL). */
struct waiter	*waiter_start(const struct config *cfg, int logfd,
		    struct metrics_shm *metrics);
/* Answers every waiting client 504 + Location, stops, frees (NULL ok). */
void		 waiter_stop(struct waiter *w);

#endif
