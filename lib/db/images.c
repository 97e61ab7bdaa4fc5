/*
 * lib/db/images.c - storage-tool SQL over images (see images.h).
 * Not here: the job record's images (jobs.c), files (lib/storage).
 */
#include <stdio.h>

#include "lib/db/images.h"
#include "lib/db/jobs_sql.h"

/* One image row as JSON (alias i). */
#define IMAGE_ROW							\
    "json_build_object('id', i.id, 'job_id', i.job_id, 'project_id', "	\
    "i.project_id, 'local_path', i.local_path, 'bytes', i.bytes, "	\
    "'created_at', to_char(i.created_at AT TIME ZONE 'UTC', "		\
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"

/* The images of finished jobs made before now - $1 seconds, of project
 * $2 (NULL: any). */
#define PRUNE_WHERE							\
    "i.created_at < now() - $1::bigint * interval '1 second' AND "	\
    "($2::text IS NULL OR i.project_id = $2) AND EXISTS (SELECT 1 "	\
    "FROM generation_jobs j WHERE j.id = i.job_id AND j.status IN "	\
    "('completed', 'failed', 'cancelled'))"

static const char usage_sql[] =
    "SELECT json_build_object('project_id', project_id, 'images', "
    "count(*), 'bytes', coalesce(sum(bytes), 0)) FROM images WHERE "
    "$1::text IS NULL OR project_id = $1 GROUP BY project_id "
    "ORDER BY project_id";

static const char list_sql[] =
    "SELECT " IMAGE_ROW " FROM images i WHERE $1::text IS NULL OR "
    "i.project_id = $1 ORDER BY i.local_path";

static const char prune_look_sql[] =
    "SELECT " IMAGE_ROW " FROM images i WHERE " PRUNE_WHERE
    " ORDER BY i.created_at";

static const char prune_sql[] =
    "WITH i AS (DELETE FROM images i WHERE " PRUNE_WHERE " RETURNING i.*), "
    "m AS (UPDATE generation_jobs SET images_deleted_at = now() WHERE id "
    "IN (SELECT job_id FROM i)) SELECT " IMAGE_ROW " FROM i "
    "ORDER BY i.created_at";

static const char delete_job_sql[] =
    "WITH i AS (DELETE FROM images i WHERE i.job_id = $1::uuid AND "
    "EXISTS (SELECT 1 FROM generation_jobs j WHERE j.id = $1::uuid AND "
    "j.status IN ('completed', 'failed', 'cancelled')) RETURNING i.*), "
    "m AS (UPDATE generation_jobs SET images_deleted_at = now() WHERE "
    "id = $1::uuid AND EXISTS (SELECT 1 FROM i)) SELECT " IMAGE_ROW
    " FROM i ORDER BY i.created_at";

/* Runs sql with params into an array of its JSON column 0. */
static enum err
rows(struct db *db, const char *sql, int n, const char *const *p,
    json_t **out)
{
	PGresult *r = NULL;
	enum err e;

	*out = NULL;
	if ((e = db_exec(db, sql, n, p, &r)) == ERR_OK)
		e = db_rows_to_array(r, out);
	PQclear(r);
	return e;
}

enum err
db_images_usage(struct db *db, const char *project, json_t **out)
{
	return rows(db, usage_sql, 1, &project, out);
}

enum err
db_images_list(struct db *db, const char *project, json_t **out)
{
	return rows(db, list_sql, 1, &project, out);
}

enum err
db_images_prune(struct db *db, int64_t older_s, const char *project,
    bool dry_run, json_t **out)
{
	char s[24];
	const char *p[2] = { s, project };

	snprintf(s, sizeof(s), "%lld", (long long)older_s);
	return rows(db, dry_run ? prune_look_sql : prune_sql, 2, p, out);
}

enum err
db_images_delete_job(struct db *db, const char *id, json_t **out)
{
	return rows(db, delete_job_sql, 1, &id, out);
}
