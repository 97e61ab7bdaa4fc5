/*
 * app/keys_cli.h - "imagegen keys": create, list and revoke client keys.
 * Not here: key storage and checks (lib/auth/keys.c).
 */
#ifndef APP_KEYS_CLI_H
#define APP_KEYS_CLI_H

#include "lib/config/config.h"

/* argv: the words after "keys". Exit status (0, 1, 64 usage, 69 no DB). */
int	keys_cli_run(struct config *cfg, const char *envfile, int argc,
	    char **argv);

#endif
