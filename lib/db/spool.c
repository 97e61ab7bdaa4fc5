/*
 * lib/db/spool.c - the on-disk queue of job records.
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

static enum err
errno_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? ERR_STORAGE_FULL : ERR_STORAGE;
}

enum err
spool_write(const char *dir, const json_t *job)
{
	const char *id = json_string_value(json_object_get(job, "id"));
	char tmp[PATH_MAX], path[PATH_MAX], *text = NULL;
	size_t len;
	int fd = -1, saved;
	enum err e = ERR_OK;

	if (id == NULL || strchr(id, '/') != NULL || id[0] == '.')
		return ERR_INVALID_FIELD;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return errno_err(errno);
	snprintf(path, sizeof(path), "%s/%s.json", dir, id);
	snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, id, (long)getpid());
	if ((text = json_dumps(job, JSON_COMPACT)) == NULL)
		return ERR_NOMEM;
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0 ||
	    rename(tmp, path) != 0) {
		saved = errno;
		e = errno_err(saved);
		unlink(tmp);
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return e;
}

static int
is_record_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

/* Saves one file; ERR_OK also for a bad file (moved aside). */
static enum err
replay_one(struct db *db, const char *dir, const char *name)
{
	char path[PATH_MAX], bad[PATH_MAX + 8];
	json_t *job;
	enum err e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((job = json_load_file(path, 0, NULL)) == NULL) {
		snprintf(bad, sizeof(bad), "%s.bad", path);
		rename(path, bad);
		return ERR_OK;
	}
	e = db_jobs_save(db, job);
	json_decref(job);
	if (e == ERR_INVALID_FIELD) {
		snprintf(bad, sizeof(bad), "%s.bad", path);
		rename(path, bad);
		return ERR_OK;
	}
	if (e == ERR_OK)
		unlink(path);
	return e;
}

enum err
spool_replay(struct db *db, const char *dir, int max, int *replayed)
{
	struct dirent *d;
	DIR *dp;
	enum err e = ERR_OK;

	*replayed = 0;
	if ((dp = opendir(dir)) == NULL)
		return ERR_OK;
	while (*replayed < max && (d = readdir(dp)) != NULL) {
		if (!is_record_name(d->d_name))
			continue;
		if ((e = replay_one(db, dir, d->d_name)) != ERR_OK)
			break;
		(*replayed)++;
	}
	closedir(dp);
	return e;
}

int
spool_count(const char *dir)
{
	struct dirent *d;
	DIR *dp;
	int n = 0;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((d = readdir(dp)) != NULL)
		n += is_record_name(d->d_name);
	closedir(dp);
	return n;
}
