/*
 * lib/db/gauges.h - the figures GET /metrics reads from PostgreSQL at
 * scrape time: jobs waiting and running, stored images and their bytes.
 * Not here: counters (lib/metrics), rendering (handlers/metrics.c).
 */
#ifndef DB_GAUGES_H
#define DB_GAUGES_H

#include "lib/db/db.h"

struct db_gauges {
	long long	 jobs_queued;		/* generation_jobs */
	long long	 jobs_running;
	long long	 prompts_queued;	/* prompt_jobs */
	long long	 prompts_running;
	long long	 images;
	long long	 image_bytes;
};

/* Every figure in one statement, over every project (the scope is the
 * caller's to set). ERR_DB_UNAVAILABLE / ERR_DB. */
enum err	db_gauges_get(struct db *db, struct db_gauges *out);

#endif
