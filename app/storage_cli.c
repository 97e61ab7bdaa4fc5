/*
 * app/storage_cli.c - "imagegen storage usage|orphans|prune" (the admin
 * scope, every project, like the other commands).
 * Not here: SQL (lib/db/images.c), files (lib/storage/usage.c, prune.c,
 * contain.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/storage_cli.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/db/images.h"
#include "lib/storage/path.h"
#include "lib/storage/prune.h"
#include "lib/storage/usage.h"

#define EX_FOUND	1
#define EX_TROUBLE	2

/* Options of every sub-command (each takes the ones it names). */
struct sopts {
	const char	*project;
	const char	*older_than;
	int64_t		 older_s;
	int64_t		 grace_s;
	bool		 dry_run, json;
};

struct sctx {
	struct config	*cfg;
	struct db	 db;
	struct store_root root;
	struct sopts	 o;
};

static int
storage_usage(void)
{
	fprintf(stderr, "usage: imagegen storage usage [--project P] [--json]\n"
	    "       imagegen storage orphans [--project P] [--grace 1h] "
	    "[--json]\n"
	    "       imagegen storage prune --older-than N{s,m,h,d} "
	    "[--project P] [--dry-run] [--json]\n");
	return EX_TROUBLE;
}

/* Reads argv's options into o; false on anything unknown or bad. */
static bool
sopts_parse(int argc, char **argv, struct sopts *o)
{
	static const struct option opts[] = {
		{ "project", required_argument, NULL, 'p' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "grace", required_argument, NULL, 'g' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	char why[128];
	bool ok = true;
	int c;

	optind = 1;
	while (ok && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			ok = store_project_check(optarg, why, sizeof(why)) ==
			    ERR_OK && (o->project = optarg);
		else if (c == 'o')
			ok = time_duration_parse(o->older_than = optarg,
			    &o->older_s);
		else if (c == 'g')
			ok = time_duration_parse(optarg, &o->grace_s);
		else if (c == 'n')
			o->dry_run = true;
		else if (c == 'j')
			o->json = true;
		else
			ok = false;
	}
	return ok && optind == argc;
}

static void
json_print(const json_t *v)
{
	json_dumpf(v, stdout, JSON_INDENT(2));
	printf("\n");
}

static int
fail(const char *what, enum err e)
{
	fprintf(stderr, "imagegen storage %s: %s\n", what, e ==
	    ERR_DB_UNAVAILABLE ? "the database is unavailable" : e ==
	    ERR_STORAGE ? "the storage root cannot be read" : err_code(e));
	return EX_TROUBLE;
}

/* A usage row of zeros. */
static json_t *
usage_zero(void)
{
	return json_pack("{s:I,s:I,s:I,s:I}", "rows", (json_int_t)0,
	    "row_bytes", (json_int_t)0, "files", (json_int_t)0, "file_bytes",
	    (json_int_t)0);
}

/* The row of project in rows (the usage answer), made when missing. */
static json_t *
usage_row(json_t *rows, const char *project)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		if (strcmp(json_string_value(json_object_get(r, "project_id")),
		    project) == 0)
			return r;
	r = usage_zero();
	json_object_set_new(r, "project_id", json_string(project));
	json_array_append_new(rows, r);
	return r;
}

static void
add(json_t *row, const char *key, const json_t *n)
{
	json_object_set_new(row, key, json_integer(json_integer_value(
	    json_object_get(row, key)) + json_integer_value(n)));
}

/* The usage answer: one row per project from both sources, a total. */
static json_t *
usage_merge(const char *root, const json_t *db, const json_t *disk)
{
	json_t *rows = json_array(), *total = usage_zero(), *v;
	const char *k;
	size_t i;

	json_array_foreach(db, i, v) {
		json_t *r = usage_row(rows, json_string_value(json_object_get(v,
		    "project_id")));

		add(r, "rows", json_object_get(v, "images"));
		add(r, "row_bytes", json_object_get(v, "bytes"));
	}
	json_object_foreach((json_t *)disk, k, v) {
		json_t *r = usage_row(rows, k);

		add(r, "files", json_object_get(v, "files"));
		add(r, "file_bytes", json_object_get(v, "bytes"));
	}
	json_array_foreach(rows, i, v) {
		add(total, "rows", json_object_get(v, "rows"));
		add(total, "row_bytes", json_object_get(v, "row_bytes"));
		add(total, "files", json_object_get(v, "files"));
		add(total, "file_bytes", json_object_get(v, "file_bytes"));
	}
	return json_pack("{s:s,s:o,s:o}", "root", root, "projects", rows,
	    "total", total);
}

static void
usage_line(const char *name, const json_t *r)
{
	printf("%-24s %10lld %14lld %10lld %14lld\n", name,
	    (long long)json_integer_value(json_object_get(r, "rows")),
	    (long long)json_integer_value(json_object_get(r, "row_bytes")),
	    (long long)json_integer_value(json_object_get(r, "files")),
	    (long long)json_integer_value(json_object_get(r, "file_bytes")));
}

static void
usage_table(const json_t *u)
{
	json_t *r;
	size_t i;

	printf("storage root: %s\n", json_string_value(json_object_get(u,
	    "root")));
	printf("%-24s %10s %14s %10s %14s\n", "PROJECT", "ROWS", "ROW BYTES",
	    "FILES", "FILE BYTES");
	json_array_foreach(json_object_get(u, "projects"), i, r)
		usage_line(json_string_value(json_object_get(r,
		    "project_id"))[0] ? json_string_value(json_object_get(r,
		    "project_id")) : "(no project folder)", r);
	usage_line("total", json_object_get(u, "total"));
}

static int
usage_cmd(struct sctx *c)
{
	json_t *db = NULL, *disk = NULL, *u;
	enum err e;

	if ((e = db_images_usage(&c->db, c->o.project, &db)) != ERR_OK)
		return fail("usage", e);
	if ((e = store_usage_disk(&c->root, c->o.project, &disk)) != ERR_OK) {
		json_decref(db);
		return fail("usage", e);
	}
	u = usage_merge(c->root.path, db, disk);
	if (c->o.json)
		json_print(u);
	else
		usage_table(u);
	json_decref(u);
	json_decref(db);
	json_decref(disk);
	return 0;
}

static void
orphans_rows(const char *kind, const json_t *rows)
{
	json_t *r;
	size_t i;

	json_array_foreach(rows, i, r)
		printf("%-12s %12s  %s  (image %s, job %s)\n", kind, "-",
		    json_string_value(json_object_get(r, "local_path")),
		    json_string_value(json_object_get(r, "id")),
		    json_string_value(json_object_get(r, "job_id")));
}

static void
orphans_table(const json_t *o, const struct sopts *so)
{
	const json_t *files = json_object_get(o, "files");
	json_t *f;
	size_t i;

	printf("storage root: %s\n", json_string_value(json_object_get(o,
	    "root")));
	printf("%-12s %12s  %s\n", "KIND", "BYTES", "PATH");
	json_array_foreach(files, i, f)
		printf("%-12s %12lld  %s\n", json_is_true(json_object_get(f,
		    "link")) ? "link" : "file", (long long)json_integer_value(
		    json_object_get(f, "bytes")), json_string_value(
		    json_object_get(f, "path")));
	orphans_rows("row-missing", json_object_get(o, "rows_missing"));
	orphans_rows("row-refused", json_object_get(o, "rows_refused"));
	printf("%zu files without a row, %zu rows without their file, %zu "
	    "rows whose path is refused (outside the root or a link); %lld "
	    "files younger than %llds not counted\n", json_array_size(files),
	    json_array_size(json_object_get(o, "rows_missing")),
	    json_array_size(json_object_get(o, "rows_refused")),
	    (long long)json_integer_value(json_object_get(o, "young")),
	    (long long)so->grace_s);
}

static int
orphans_cmd(struct sctx *c)
{
	json_t *rows = NULL, *o = NULL;
	size_t found;
	enum err e;

	if ((e = db_images_list(&c->db, c->o.project, &rows)) != ERR_OK)
		return fail("orphans", e);
	e = store_orphans_find(&c->root, c->o.project, rows, c->o.grace_s,
	    time_wall_ms() / 1000, &o);
	json_decref(rows);
	if (e != ERR_OK)
		return fail("orphans", e);
	json_object_set_new(o, "root", json_string(c->root.path));
	if (c->o.json)
		json_print(o);
	else
		orphans_table(o, &c->o);
	found = json_array_size(json_object_get(o, "files")) +
	    json_array_size(json_object_get(o, "rows_missing")) +
	    json_array_size(json_object_get(o, "rows_refused"));
	json_decref(o);
	return found ? EX_FOUND : 0;
}

static void
prune_text(const json_t *p, const struct sopts *o)
{
	json_t *r;
	size_t i;

	printf("%s %lld images older than %s%s%s: %lld rows %s, %lld files "
	    "%s (%lld bytes), %lld files already missing, %lld refused\n",
	    o->dry_run ? "would prune" : "pruned",
	    (long long)json_integer_value(json_object_get(p, "rows")),
	    o->older_than, o->project ? " of project " : "", o->project ?
	    o->project : "", (long long)json_integer_value(json_object_get(p,
	    "rows")), o->dry_run ? "to delete" : "deleted",
	    (long long)json_integer_value(json_object_get(p, "files_removed")),
	    o->dry_run ? "to remove" : "removed",
	    (long long)json_integer_value(json_object_get(p, "bytes_removed")),
	    (long long)json_integer_value(json_object_get(p, "files_missing")),
	    (long long)json_integer_value(json_object_get(p,
	    "files_refused")));
	json_array_foreach(json_object_get(p, "refused"), i, r)
		printf("refused (outside the storage root or a link; left "
		    "alone): %s\n", json_string_value(r));
}

/*
 * The rows go first (one statement, committed), then the files: a crash
 * in between leaves files without rows, which `storage orphans` lists;
 * never a row naming a removed file.
 */
static int
prune_cmd(struct sctx *c)
{
	json_t *rows = NULL, *p;
	enum err e;
	int rc;

	if (c->o.older_than == NULL)
		return storage_usage();
	if ((e = db_images_prune(&c->db, c->o.older_s, c->o.project,
	    c->o.dry_run, &rows)) != ERR_OK)
		return fail("prune", e);
	if ((p = store_prune_files(&c->root, rows, c->o.dry_run)) == NULL) {
		json_decref(rows);
		return fail("prune", ERR_NOMEM);
	}
	json_object_set_new(p, "rows", json_integer((json_int_t)
	    json_array_size(rows)));
	json_object_set_new(p, "dry_run", json_boolean(c->o.dry_run));
	if (c->o.json)
		json_print(p);
	else
		prune_text(p, &c->o);
	rc = json_integer_value(json_object_get(p, "files_refused")) ?
	    EX_FOUND : 0;
	json_decref(p);
	json_decref(rows);
	return rc;
}

static const struct {
	const char	*name;
	int		(*fn)(struct sctx *);
} storage_cmds[] = {
	{ "usage",	usage_cmd },
	{ "orphans",	orphans_cmd },
	{ "prune",	prune_cmd },
};

int
storage_cli_run(struct config *cfg, const char *envfile, int argc,
    char **argv)
{
	struct sctx c = { .cfg = cfg, .o = { .grace_s = 3600 } };
	char why[256];
	struct log log;
	size_t i;
	int rc;

	(void)envfile;
	for (i = 0; argc > 0 && i < NELEM(storage_cmds); i++)
		if (strcmp(argv[0], storage_cmds[i].name) == 0)
			break;
	if (argc == 0 || i == NELEM(storage_cmds) ||
	    !sopts_parse(argc, argv, &c.o))
		return storage_usage();
	if (store_root_open(&c.root, cfg->storage_dir, why, sizeof(why)) !=
	    ERR_OK) {
		fprintf(stderr, "imagegen storage: %s\n", why);
		return EX_TROUBLE;
	}
	log_init(&log, STDERR_FILENO, cfg, "storage");
	db_init(&c.db, cfg, &log);
	rc = storage_cmds[i].fn(&c);
	db_close(&c.db);
	store_root_close(&c.root);
	return rc;
}
