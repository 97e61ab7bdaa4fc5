/*
 * lib/storage/sweep.c - temp files of dead writers, removed.
 * Not here: writing (write.c, lib/db/spool.c).
 */
#include <errno.h>
#include <fts.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/storage/sweep.h"

/* The writer of a NAME.PID.tmp name, or 0 when name is not one. */
static long
tmp_writer(const char *name)
{
	size_t len = strlen(name), i;
	const char *dot;

	if (len < 6 || strcmp(name + len - 4, ".tmp") != 0)
		return 0;
	for (i = len - 4; i > 0 && name[i - 1] >= '0' && name[i - 1] <= '9';
	    i--)
		continue;
	dot = name + i - 1;
	if (i == 0 || i == len - 4 || *dot != '.' || dot == name)
		return 0;
	return strtol(dot + 1, NULL, 10);
}

/* True when no process pid runs (EPERM: it runs as someone else). */
static int
writer_gone(long pid)
{
	return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

enum err
store_sweep_tmp(const char *root, long *removed)
{
	char *paths[] = { (char *)root, NULL };
	FTSENT *f;
	FTS *fts;
	long pid;

	*removed = 0;
	if (access(root, F_OK) != 0)
		return ERR_OK;
	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL)) == NULL)
		return ERR_STORAGE;
	while ((f = fts_read(fts)) != NULL) {
		if (f->fts_info != FTS_F ||
		    (pid = tmp_writer(f->fts_name)) <= 0 || !writer_gone(pid))
			continue;
		if (unlink(f->fts_path) == 0)
			(*removed)++;
	}
	fts_close(fts);
	return ERR_OK;
}
