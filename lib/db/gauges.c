/*
 * lib/db/gauges.c - the scrape-time figures of GET /metrics, one query.
 * Not here: connections (db.c), the job record (jobs.c).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/db/gauges.h"

/* The partial indexes on status ('queued', 'running') serve the counts;
 * the images' sum reads the table (one scan a scrape). */
static const char gauges_sql[] =
    "SELECT (SELECT count(*) FROM generation_jobs WHERE status = 'queued'), "
    "(SELECT count(*) FROM generation_jobs WHERE status = 'running'), "
    "(SELECT count(*) FROM prompt_jobs WHERE status = 'queued'), "
    "(SELECT count(*) FROM prompt_jobs WHERE status = 'running'), "
    "(SELECT count(*) FROM images), "
    "(SELECT coalesce(sum(bytes), 0) FROM images)";

enum err
db_gauges_get(struct db *db, struct db_gauges *out)
{
	long long *v[] = { &out->jobs_queued, &out->jobs_running,
	    &out->prompts_queued, &out->prompts_running, &out->images,
	    &out->image_bytes };
	PGresult *r = NULL;
	size_t i;
	enum err e;

	memset(out, 0, sizeof(*out));
	if ((e = db_exec_hot(db, gauges_sql, 0, NULL, &r)) != ERR_OK)
		goto out;
	if (PQntuples(r) != 1 || PQnfields(r) != (int)(sizeof(v) /
	    sizeof(v[0]))) {
		e = ERR_DB;
		goto out;
	}
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		*v[i] = strtoll(PQgetvalue(r, 0, (int)i), NULL, 10);
out:
	PQclear(r);
	return e;
}
