/*
 * app/runner.h - `imagegen runner`: the process that does the slow work.
 * It claims queued jobs from PostgreSQL under a lease, shortens their
 * prompts, drives every claimed generation at once through the engine
 * (up to RUNNER_MAX_INFLIGHT over one curl multi handle), renews its
 * leases, fails jobs whose runner vanished past their deadline, and hosts
 * the wait endpoint (app/waiter.c) that nginx parks waiting clients on.
 * Several runners, on several hosts, may share one database.
 * Not here: HTTP requests from clients (the FastCGI workers).
 */
#ifndef APP_RUNNER_H
#define APP_RUNNER_H

#include "lib/config/config.h"

/* Runs until SIGTERM/SIGINT (in-flight jobs get RUNNER_GRACE_S to end,
 * the rest are released for another runner). Returns the exit code. */
int	runner_run(const struct config *cfg);

#endif
