/*
 * app/main.c - the imagegen command: serve (prefork master under
 * spawn-fcgi), migrate, check-config, doctor, keys, storage, version.
 * Not here: process management (master.c), requests (worker.c).
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "app/doctor.h"
#include "app/keys_cli.h"
#include "app/master.h"
#include "app/runner.h"
#include "app/storage_cli.h"
#include "lib/config/config.h"
#include "lib/db/migrate.h"
#include "lib/log/log.h"

#ifndef IMAGEGEN_VERSION
#define IMAGEGEN_VERSION "dev"
#endif

#define EX_USAGE	64
#define EX_UNAVAIL	69
#define EX_CONFIG	78

static int	cmd_serve(struct config *, const char *, int, char **);
static int	cmd_runner(struct config *, const char *, int, char **);
static int	cmd_migrate(struct config *, const char *, int, char **);
static int	cmd_check_config(struct config *, const char *, int, char **);
static int	cmd_version(struct config *, const char *, int, char **);
static int	cmd_config_get(struct config *, const char *, int, char **);
static int	cmd_doctor(struct config *, const char *, int, char **);

/* Sub-commands: name -> function, and whether it needs the config. */
static const struct command {
	const char	*name;
	int		(*fn)(struct config *, const char *, int, char **);
	int		 needs_config;
	const char	*help;
} commands[] = {
	{ "serve",	  cmd_serve,	    1, "run the prefork FastCGI master (socket on fd 0)" },
	{ "runner",	  cmd_runner,	    1, "run the job runner and the wait endpoint" },
	{ "migrate",	  cmd_migrate,	    1, "apply pending database migrations" },
	{ "check-config", cmd_check_config, 1, "validate the configuration and exit" },
	{ "config-get",	  cmd_config_get,   1, "print setting NAME (secrets: \"set\" or nothing)" },
	{ "doctor",	  cmd_doctor,	    1, "check each provider's key and endpoint, Ollama, the database" },
	{ "keys",	  keys_cli_run,	    1, "client API keys: create --project P [--scopes ...], list, revoke PREFIX" },
	{ "storage",	  storage_cli_run,  1, "storage usage [--project P], orphans, prune --older-than 30d [--dry-run]" },
	{ "version",	  cmd_version,	    0, "print the version" },
};

static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: imagegen [-e envfile] command [args]\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %-13s %s\n", commands[i].name,
		    commands[i].help);
	return EX_USAGE;
}

static int
fd0_is_socket(void)
{
	struct stat st;

	return fstat(0, &st) == 0 && S_ISSOCK(st.st_mode);
}

static int
cmd_serve(struct config *cfg, const char *envfile, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (!fd0_is_socket()) {
		fprintf(stderr, "imagegen serve: standard input is not a "
		    "socket; start it with spawn-fcgi (see README.md)\n");
		return EX_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);	/* once, before fork */
	return master_run(cfg, envfile);
}

static int
cmd_runner(struct config *cfg, const char *envfile, int argc, char **argv)
{
	(void)envfile;
	(void)argc;
	(void)argv;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return runner_run(cfg);
}

static int
cmd_migrate(struct config *cfg, const char *envfile, int argc, char **argv)
{
	struct log log;
	struct db db;
	char why[512];
	int applied = 0;
	enum err e;

	(void)envfile;
	(void)argc;
	(void)argv;
	log_init(&log, STDERR_FILENO, cfg, "migrate");
	db_init(&db, cfg, &log);
	db.statement_timeout_ms = 0;	/* a migration may take its time */
	e = db_migrate(&db, &applied, why, sizeof(why));
	db_close(&db);
	if (e != ERR_OK) {
		fprintf(stderr, "imagegen migrate: %s\n", why);
		return e == ERR_DB_UNAVAILABLE ? EX_UNAVAIL : 1;
	}
	printf("migrations: %d applied, schema up to date\n", applied);
	return 0;
}

static int
cmd_check_config(struct config *cfg, const char *envfile, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("configuration OK (%s): %ld workers, storage %s, log level "
	    "%s\n", envfile, cfg_workers(cfg), cfg->storage_dir,
	    cfg_level_name(cfg->log_level));
	return 0;
}

static int
cmd_config_get(struct config *cfg, const char *envfile, int argc, char **argv)
{
	const char *name = argc == 1 ? argv[0] : NULL;
	char buf[4096];
	bool secret;

	(void)envfile;
	if (name == NULL ||
	    cfg_text_get(cfg, name, buf, sizeof(buf), &secret)) {
		fprintf(stderr, "imagegen config-get: unknown setting %s\n",
		    name ? name : "(none)");
		return EX_USAGE;
	}
	printf("%s\n", secret ? (buf[0] ? "set" : "") : buf);
	return 0;
}

static int
cmd_doctor(struct config *cfg, const char *envfile, int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return doctor_run(cfg, envfile, argc, argv);
}

static int
cmd_version(struct config *cfg, const char *envfile, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	(void)cfg;
	(void)envfile;
	printf("imagegen %s\n", IMAGEGEN_VERSION);
	return 0;
}

/* Each line of cfg->warnings (unknown .env keys) on standard error. */
static void
warnings_print(const struct config *cfg)
{
	const char *p, *nl;

	for (p = cfg->warnings; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		fprintf(stderr, "imagegen: warning: %.*s\n", (int)(nl - p), p);
	}
}

int
main(int argc, char *argv[])
{
	const char *envfile = ".env";
	struct config cfg;
	char why[512];
	size_t i;
	int opt, rc;

	/* "+": options end at the command (keys create --project ...). */
	while ((opt = getopt(argc, argv, "+e:")) != -1) {
		if (opt != 'e')
			return usage();
		envfile = optarg;
	}
	if (optind >= argc)
		return usage();
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[optind], commands[i].name) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return usage();
	if (commands[i].needs_config &&
	    cfg_load(&cfg, envfile, why, sizeof(why)) != ERR_OK) {
		fprintf(stderr, "imagegen: configuration error: %s\n", why);
		return EX_CONFIG;
	}
	if (commands[i].needs_config)
		warnings_print(&cfg);
	rc = commands[i].fn(&cfg, envfile, argc - optind - 1,
	    argv + optind + 1);
	if (commands[i].needs_config)
		cfg_fini(&cfg);
	return rc;
}
