/*
 * lib/db/images.h - SQL over the images table for the storage tools:
 * usage per project, every row's path, and deleting rows (old ones, or a
 * finished job's) in one statement that also marks their jobs
 * (generation_jobs.images_deleted_at) and hands back what the files
 * were, for lib/storage/prune.c to remove afterwards.
 * Not here: saving images with their job (jobs.c), the files (lib/storage).
 */
#ifndef DB_IMAGES_H
#define DB_IMAGES_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/db/db.h"

/* One image row as these functions give it:
 * {"id","job_id","project_id","local_path","bytes","created_at"}. */

/*
 * Images and bytes per project (project NULL: every project the scope
 * sees) in *out (new): [{"project_id","images","bytes"}] by project.
 */
enum err	db_images_usage(struct db *db, const char *project,
		    json_t **out);
/* Every image row (of project, when not NULL) in *out (new). */
enum err	db_images_list(struct db *db, const char *project,
		    json_t **out);
/*
 * The rows of images made more than older_s seconds ago by finished
 * jobs (of project, when not NULL): deleted (one statement, their jobs
 * marked) unless dry_run, and given in *out (new).
 */
enum err	db_images_prune(struct db *db, int64_t older_s,
		    const char *project, bool dry_run, json_t **out);
/*
 * The image rows of job id when it is finished (completed, failed,
 * cancelled): deleted and the job marked, in one statement; the rows in
 * *out (new; empty for a job without images).
 */
enum err	db_images_delete_job(struct db *db, const char *id,
		    json_t **out);

#endif
