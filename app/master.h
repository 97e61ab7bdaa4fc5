/*
 * app/master.h - the prefork master: forks the workers on the inherited
 * FastCGI socket, respawns the dead (with back-off when they die in a
 * loop), reloads on SIGHUP, stops gracefully on SIGTERM/SIGINT.
 * Not here: what a worker does (worker.c).
 */
#ifndef APP_MASTER_H
#define APP_MASTER_H

#include "lib/config/config.h"

/*
 * Runs until SIGTERM/SIGINT; cfg is the caller's and may be replaced by
 * a reload (re-read from envfile). Returns the process exit code.
 */
int	master_run(struct config *cfg, const char *envfile);

#endif
