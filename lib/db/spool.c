/*
 * lib/db/spool.c - the on-disk queue of job records.
 * A record is DIR/<id>.json; after k failed replays DIR/<id>.f<k>.json;
 * set aside as DIR/poison/<name>.
 * Not here: deciding when to spool (the engine), SQL (jobs.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/db/jobs.h"
#include "lib/db/spool.h"

#define POISON	"poison"

static enum err
errno_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? ERR_STORAGE_FULL : ERR_STORAGE;
}

/* A rename in dir is durable once dir itself is synced. */
static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* mkdir -p dir (SPOOL_DIR is relative by default: var/spool). */
static int
make_dirs(const char *dir)
{
	char p[PATH_MAX];
	size_t i;

	snprintf(p, sizeof(p), "%s", dir);
	for (i = 1; p[i] != '\0'; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			return -1;
		p[i] = '/';
	}
	return mkdir(p, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

static int
is_record_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

void
spool_stat(const char *dir, struct spool_stat *st)
{
	char path[PATH_MAX];
	struct dirent *d;
	struct stat sb;
	DIR *dp;

	memset(st, 0, sizeof(*st));
	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (!is_record_name(d->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		st->records++;
		if (stat(path, &sb) == 0)
			st->bytes += (long)sb.st_size;
	}
	closedir(dp);
	snprintf(path, sizeof(path), "%s/" POISON, dir);
	if ((dp = opendir(path)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL)
		st->poison += is_record_name(d->d_name);
	closedir(dp);
}

int
spool_count(const char *dir)
{
	struct spool_stat st;

	spool_stat(dir, &st);
	return (int)st.records;
}

enum err
spool_room(const char *dir, long max_bytes)
{
	struct spool_stat st;

	if (make_dirs(dir) != 0)
		return errno_err(errno);
	if (access(dir, W_OK | X_OK) != 0)
		return ERR_STORAGE;
	spool_stat(dir, &st);
	return st.bytes >= max_bytes ? ERR_STORAGE_FULL : ERR_OK;
}

/* text to dir/name through a temp file: fsync, rename, fsync of dir. */
static enum err
write_durable(const char *dir, const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	size_t len = strlen(text);
	int fd;
	enum err e = ERR_OK;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 ||
	    rename(tmp, path) != 0 || fsync_dir(dir) != 0) {
		e = errno_err(errno);
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
	return e;
}

enum err
spool_write(const char *dir, long max_bytes, const json_t *job)
{
	const char *id = json_string_value(json_object_get(job, "id"));
	char name[NAME_MAX], *text = NULL;
	enum err e;

	if (id == NULL || strchr(id, '/') != NULL || strchr(id, '.') != NULL ||
	    snprintf(name, sizeof(name), "%s.json", id) >= (int)sizeof(name))
		return ERR_INVALID_FIELD;
	if ((e = spool_room(dir, max_bytes)) != ERR_OK)
		return e;
	if ((text = json_dumps(job, JSON_COMPACT)) == NULL)
		return ERR_NOMEM;
	e = write_durable(dir, name, text);
	free(text);
	return e;
}

/* Moves dir/name to dir/poison/name. */
static void
poison(const char *dir, const char *name, struct spool_tally *t)
{
	char from[PATH_MAX], to[PATH_MAX];

	snprintf(to, sizeof(to), "%s/" POISON, dir);
	(void)mkdir(to, 0750);
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/" POISON "/%s", dir, name);
	if (rename(from, to) == 0) {
		t->poisoned++;
		(void)fsync_dir(dir);
	}
}

/* The failed tries of a record name (<id>.f<k>.json), 0 if none. */
static int
tries_of(const char *name)
{
	const char *f = strstr(name, ".f");

	return f != NULL ? atoi(f + 2) : 0;
}

/* One more failed try: renamed <id>.f<k+1>.json, or poisoned. */
static void
failed_once(const char *dir, const char *name, int tries,
    struct spool_tally *t)
{
	char from[PATH_MAX], to[PATH_MAX];
	int k = tries_of(name) + 1;

	if (k >= tries) {
		poison(dir, name, t);
		return;
	}
	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%.*s.f%d.json", dir,
	    (int)strcspn(name, "."), name, k);
	if (rename(from, to) == 0) {
		t->retried++;
		(void)fsync_dir(dir);
	}
}

/* Saves one file. ERR_DB_UNAVAILABLE stops the replay; any other
 * failure is the record's own (counted, then poisoned). */
static enum err
replay_one(struct db *db, const char *dir, const char *name, int tries,
    struct spool_tally *t)
{
	char path[PATH_MAX];
	json_t *job;
	enum err e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((job = json_load_file(path, 0, NULL)) == NULL) {
		poison(dir, name, t);
		return ERR_OK;
	}
	e = db_jobs_save(db, job);
	json_decref(job);
	if (e == ERR_OK) {
		unlink(path);
		t->replayed++;
	} else if (e == ERR_INVALID_FIELD)
		poison(dir, name, t);
	else if (e != ERR_DB_UNAVAILABLE)
		failed_once(dir, name, tries, t);
	return e == ERR_DB_UNAVAILABLE ? e : ERR_OK;
}

enum err
spool_replay(struct db *db, const char *dir, int max, int tries,
    struct spool_tally *t)
{
	struct dirent *d;
	DIR *dp;
	enum err e = ERR_OK;
	int n = 0;

	memset(t, 0, sizeof(*t));
	if ((dp = opendir(dir)) == NULL)
		return ERR_OK;
	while (n < max && (d = readdir(dp)) != NULL) {
		if (!is_record_name(d->d_name))
			continue;
		n++;
		if ((e = replay_one(db, dir, d->d_name, tries, t)) != ERR_OK)
			break;
	}
	closedir(dp);
	return e;
}
