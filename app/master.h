/*
 * app/master.h - the prefork master: forks the workers on the inherited
 * FastCGI socket, respawns the dead (with back-off when they die in a
 * loop), reloads on SIGHUP, stops gracefully on SIGTERM/SIGINT.
 * Not here: what a worker does (worker.c).
 */
#ifndef APP_MASTER_H
#define APP_MASTER_H

#include <stdint.h>

#include "lib/config/config.h"

#define QUICK_DEATH_MS	2000	/* a worker dying younger than this... */
#define BACKOFF_MIN_MS	100	/* ...delays the next spawn, doubling */
#define BACKOFF_MAX_MS	10000	/* up to this */

/*
 * Runs until SIGTERM/SIGINT; cfg is the caller's and may be replaced by
 * a reload (re-read from envfile). Returns the process exit code.
 */
int	master_run(struct config *cfg, const char *envfile);
/* Opens LOG_FILE for appending (shared by every process); standard error
 * when it is unset or cannot be opened. */
int	master_log_open(const struct config *cfg);
/*
 * Delay before respawning a worker that ended after lived_ms; clean is
 * true for exit status 0 (recycling). Counts consecutive quick deaths in
 * *quick_deaths: 0, then 100, 200, 400 ... ms up to BACKOFF_MAX_MS.
 */
int64_t	master_respawn_delay(int *quick_deaths, int clean, int64_t lived_ms);

#endif
