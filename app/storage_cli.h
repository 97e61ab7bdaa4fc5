/*
 * app/storage_cli.h - "imagegen storage usage|orphans|prune": what the
 * storage root holds, against the images rows, and removing old images
 * (rows, then files), never outside the root.
 * Not here: the walk and the path checks (lib/storage), SQL
 * (lib/db/images.c).
 */
#ifndef APP_STORAGE_CLI_H
#define APP_STORAGE_CLI_H

#include "lib/config/config.h"

/* argv: the words after "storage". Exit status as grep's: 0 (nothing
 * found), 1 (orphans found, or files refused by prune), 2 (usage error,
 * database or storage unavailable). */
int	storage_cli_run(struct config *cfg, const char *envfile, int argc,
	    char **argv);

#endif
