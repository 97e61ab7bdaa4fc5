/*
 * app/doctor.h - `imagegen doctor`: is each configured provider, Ollama
 * and the database usable, and what to do when one is not.
 * Not here: the health requests themselves (lib/providers, lib/ollama).
 */
#ifndef APP_DOCTOR_H
#define APP_DOCTOR_H

#include "lib/config/config.h"

/* Prints the table on standard output; 0 when every configured check is
 * ok, 1 otherwise, 2 for a usage error. */
int	doctor_run(struct config *cfg, const char *envfile, int argc,
	    char **argv);

#endif
