/*
 * app/keys_cli.c - "imagegen keys create|list|revoke".
 * Not here: SQL (lib/auth/keys.c), the request path (app/auth.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/keys_cli.h"
#include "lib/auth/keys.h"
#include "lib/core/util.h"
#include "lib/db/db.h"

#define EX_USAGE	64
#define EX_UNAVAIL	69

static int
keys_usage(void)
{
	fprintf(stderr, "usage: imagegen keys create --project P "
	    "[--scopes generate,read,admin] [--name TEXT]\n"
	    "                          [--rate-per-min N] [--max-inflight N]\n"
	    "       imagegen keys list\n"
	    "       imagegen keys revoke PREFIX|ID\n");
	return EX_USAGE;
}

static int
keys_status(enum err e)
{
	return e == ERR_OK ? 0 : e == ERR_DB_UNAVAILABLE ? EX_UNAVAIL : 1;
}

/* A limit option: a whole number >= 0. */
static bool
keys_limit_arg(const char *s, long *out)
{
	char *end;

	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && *out >= 0 && *out <= 10000000;
}

static int
keys_create_cmd(struct db *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "scopes", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "rate-per-min", required_argument, NULL, 'r' },
		{ "max-inflight", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct key_new k = { NULL, KEY_SCOPE_GENERATE | KEY_SCOPE_READ, "",
	    -1, -1 };
	char key[KEY_TEXT_MAX], why[256];
	bool ok = true;
	enum err e;
	int c;

	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			k.project = optarg;
		else if (c == 's')
			ok = keys_scopes_parse(optarg, &k.scopes);
		else if (c == 'n')
			k.name = optarg;
		else if (c == 'r')
			ok = keys_limit_arg(optarg, &k.rate_per_min);
		else if (c == 'i')
			ok = keys_limit_arg(optarg, &k.max_inflight);
		else
			ok = false;
	}
	if (!ok || k.project == NULL || optind != argc)
		return keys_usage();
	if ((e = keys_create(db, &k, key, why, sizeof(why))) != ERR_OK) {
		fprintf(stderr, "imagegen keys create: %s\n", why);
		return keys_status(e);
	}
	/* The key itself on stdout alone (scripts: KEY=$(imagegen keys
	 * create ...)); what to know about it on stderr. */
	printf("%s\n", key);
	fprintf(stderr, "key for project %s made; it is shown only now "
	    "(only its hash is kept). Send it as: Authorization: Bearer "
	    "<key>\n", k.project);
	return 0;
}

static int
keys_list_cmd(struct db *db, int argc, char **argv)
{
	json_t *all = NULL;
	enum err e;

	(void)argv;
	if (argc != 1)
		return keys_usage();
	if ((e = keys_list(db, &all)) == ERR_OK)
		json_dumpf(all, stdout, JSON_INDENT(2));
	if (e == ERR_OK)
		printf("\n");
	else
		fprintf(stderr, "imagegen keys list: %s\n", err_code(e));
	json_decref(all);
	return keys_status(e);
}

static int
keys_revoke_cmd(struct db *db, int argc, char **argv)
{
	enum err e;

	if (argc != 2)
		return keys_usage();
	if ((e = keys_revoke(db, argv[1])) == ERR_OK)
		printf("revoked %s\n", argv[1]);
	else
		fprintf(stderr, "imagegen keys revoke: %s: %s\n", argv[1],
		    e == ERR_NOT_FOUND ? "no such key" : err_code(e));
	return keys_status(e);
}

static const struct {
	const char	*name;
	int		(*fn)(struct db *, int, char **);
} keys_cmds[] = {
	{ "create",	keys_create_cmd },
	{ "list",	keys_list_cmd },
	{ "revoke",	keys_revoke_cmd },
};

int
keys_cli_run(struct config *cfg, const char *envfile, int argc, char **argv)
{
	struct log log;
	struct db db;
	size_t i;
	int rc;

	(void)envfile;
	for (i = 0; argc > 0 && i < NELEM(keys_cmds); i++)
		if (strcmp(argv[0], keys_cmds[i].name) == 0)
			break;
	if (argc == 0 || i == NELEM(keys_cmds))
		return keys_usage();
	log_init(&log, STDERR_FILENO, cfg, "keys");
	db_init(&db, cfg, &log);
	rc = keys_cmds[i].fn(&db, argc, argv);
	db_close(&db);
	return rc;
}
