/*
 * lib/db/jobs_sql.h - SQL shared by jobs.c and queue.c (private to lib/db).
 * Not here: the functions that run it.
 */
#ifndef DB_JOBS_SQL_H
#define DB_JOBS_SQL_H

/* The SELECT list that renders one job row (alias j) as a JSON record. */
#define JOB_JSON							\
    "json_build_object('id', j.id, 'project_id', j.project_id, "	\
    "'status', j.status, 'requested_provider', j.requested_provider, "	\
    "'provider', j.provider, 'prompt_original', j.prompt_original, "	\
    "'prompt_final', j.prompt_final, 'prompt_meta', j.prompt_meta, "	\
    "'params', j.params, 'attempts', j.attempts, 'error', j.error, "	\
    "'optimize_ms', j.optimize_ms, 'generate_ms', j.generate_ms, "	\
    "'created_at', to_char(j.created_at AT TIME ZONE 'UTC', "		\
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'completed_at', "		\
    "to_char(j.completed_at AT TIME ZONE 'UTC', "			\
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), 'provider_model', "		\
    "j.provider_model, 'warnings', j.warnings, 'images', coalesce(("	\
    "SELECT json_agg(json_build_object('id', i.id, 'provider', "	\
    "i.provider, 'provider_image_id', i.provider_image_id, "		\
    "'source_url', i.source_url, 'local_path', i.local_path, 'width', "	\
    "i.width, 'height', i.height, 'format', i.format, 'bytes', "	\
    "i.bytes, 'sha256', i.sha256, 'nsfw', i.nsfw, 'synthid', "		\
    "i.synthid) ORDER BY i.created_at, i.id) "				\
    "FROM images i WHERE i.job_id = j.id), '[]'::json), 'resume', "	\
    "j.resume, 'claims', j.claims, 'webhook_url', j.webhook_url, "	\
    "'webhook', j.webhook, 'request_id', j.request_id, "		\
    "'images_deleted_at', "						\
    "to_char(j.images_deleted_at AT TIME ZONE 'UTC', "			\
    "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "				\
    "'deadline_in_ms', floor(extract(epoch FROM j.deadline - now()) "	\
    "* 1000))"

/* Text of member key of o (strings as is, numbers and objects as JSON;
 * caller frees), NULL when absent or null: a query parameter. */
char		*db_member_text(const json_t *o, const char *key);
/* The JSON in column 0 of the one row sql (static, one parameter) gives
 * (*out, caller decrefs); ERR_NOT_FOUND when there is no row. */
enum err	db_one_json(struct db *db, const char *sql, const char *param,
		    json_t **out);
/* Parses column 0 of every row of r into a JSON array (*out, new). */
enum err	db_rows_to_array(PGresult *r, json_t **out);

#endif
