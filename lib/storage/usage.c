/*
 * lib/storage/usage.c - the walk of the images tree (fts, physical),
 * usage per project, and the comparison of files with rows.
 * Not here: SQL (lib/db/images.c), removing (prune.c).
 */
#include <fts.h>
#include <stdio.h>
#include <string.h>

#include "lib/storage/path.h"
#include "lib/storage/usage.h"

/* The empty file that keeps storage/images/ in a git checkout: ours, not
 * an image nor an orphan. */
#define STORE_PLACEHOLDER	"images/.gitkeep"

enum err
store_walk(const struct store_root *r, const char *project,
    store_walk_fn fn, void *arg)
{
	char top[STORE_ROOT_MAX + 80], why[128];
	char *paths[] = { top, NULL };
	size_t skip = strlen(r->path) + 1;
	struct stat st;
	enum err e = ERR_OK;
	FTSENT *f;
	FTS *fts;

	if (project != NULL && store_project_check(project, why,
	    sizeof(why)) != ERR_OK)
		return ERR_INVALID_FIELD;
	snprintf(top, sizeof(top), "%s/images%s%s", r->path, project ? "/" :
	    "", project ? project : "");
	if (lstat(top, &st) != 0)
		return ERR_OK;
	if (!S_ISDIR(st.st_mode))
		return ERR_STORAGE;
	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL)) == NULL)
		return ERR_STORAGE;
	while ((f = fts_read(fts)) != NULL) {
		if (strcmp(f->fts_path + skip, STORE_PLACEHOLDER) == 0)
			continue;
		if (f->fts_info == FTS_DNR || f->fts_info == FTS_ERR ||
		    f->fts_info == FTS_NS)
			e = ERR_STORAGE;
		else if (f->fts_info == FTS_F || f->fts_info == FTS_SL ||
		    f->fts_info == FTS_SLNONE || f->fts_info == FTS_DEFAULT)
			fn(arg, f->fts_path + skip, f->fts_statp);
	}
	fts_close(fts);
	return e;
}

/* The project folder of rel ("images/{project}/..."), "" when none. */
static void
project_of(const char *rel, char *out, size_t len)
{
	const char *p = rel + strlen("images/"), *slash = strchr(p, '/');

	snprintf(out, len, "%.*s", slash ? (int)(slash - p) : 0, p);
}

static void
usage_add(void *arg, const char *rel, const struct stat *st)
{
	json_t *all = arg, *one;
	char project[80];

	if (!S_ISREG(st->st_mode))
		return;
	project_of(rel, project, sizeof(project));
	if ((one = json_object_get(all, project)) == NULL) {
		one = json_pack("{s:I,s:I}", "files", (json_int_t)0, "bytes",
		    (json_int_t)0);
		json_object_set_new(all, project, one);
	}
	json_object_set_new(one, "files", json_integer(json_integer_value(
	    json_object_get(one, "files")) + 1));
	json_object_set_new(one, "bytes", json_integer(json_integer_value(
	    json_object_get(one, "bytes")) + (json_int_t)st->st_size));
}

enum err
store_usage_disk(const struct store_root *r, const char *project,
    json_t **out)
{
	enum err e;

	if ((*out = json_object()) == NULL)
		return ERR_NOMEM;
	if ((e = store_walk(r, project, usage_add, *out)) != ERR_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return e;
}

/* What the walk of store_orphans_find() compares against. */
struct orphan_walk {
	json_t		*named;		/* local_path -> true, of every row */
	json_t		*files;		/* the answer's "files" */
	int64_t		 young_after;	/* mtime seconds */
	json_int_t	 young;
};

static void
orphan_file(void *arg, const char *rel, const struct stat *st)
{
	struct orphan_walk *w = arg;

	if (json_object_get(w->named, rel) != NULL)
		return;
	if ((int64_t)st->st_mtime > w->young_after) {
		w->young++;
		return;
	}
	json_array_append_new(w->files, json_pack("{s:s,s:I,s:b}", "path", rel,
	    "bytes", (json_int_t)st->st_size, "link", S_ISLNK(st->st_mode)));
}

/* Sorts the rows into missing and refused; fills w->named. */
static void
orphan_rows(const struct store_root *r, const json_t *rows,
    struct orphan_walk *w, json_t *missing, json_t *refused)
{
	const char *rel;
	json_t *row;
	size_t i;

	json_array_foreach(rows, i, row) {
		rel = json_string_value(json_object_get(row, "local_path"));
		if (rel != NULL)
			json_object_set_new(w->named, rel, json_true());
		switch (store_stat(r, rel, NULL)) {
		case STORE_FILE:
			break;
		case STORE_MISSING:
			json_array_append(missing, row);
			break;
		default:
			json_array_append(refused, row);
		}
	}
}

enum err
store_orphans_find(const struct store_root *r, const char *project,
    const json_t *rows, int64_t grace_s, int64_t now_s, json_t **out)
{
	struct orphan_walk w = { json_object(), json_array(), now_s - grace_s,
	    0 };
	json_t *missing = json_array(), *refused = json_array();
	enum err e;

	*out = NULL;
	orphan_rows(r, rows, &w, missing, refused);
	e = store_walk(r, project, orphan_file, &w);
	if (e == ERR_OK)
		*out = json_pack("{s:O,s:O,s:O,s:I}", "files", w.files,
		    "rows_missing", missing, "rows_refused", refused, "young",
		    w.young);
	json_decref(w.named);
	json_decref(w.files);
	json_decref(missing);
	json_decref(refused);
	return e == ERR_OK && *out == NULL ? ERR_NOMEM : e;
}
