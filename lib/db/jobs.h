/*
 * lib/db/jobs.h - generation_jobs and images: save a job record (insert or
 * update, with its images, in one transaction), read one, list with
 * filters and keyset pagination, and per-provider statistics.
 * A job record is one JSON object (the same that lib/db/spool.c keeps on
 * disk while the database is down):
 *   {"id","project_id","status","requested_provider","provider",
 *    "prompt_original","prompt_final","prompt_meta":{},"params":{},
 *    "attempts":[],"error":null|{},"optimize_ms","generate_ms",
 *    "created_at","completed_at","provider_model","warnings":[],
 *    "images":[{"id","provider",
 *    "provider_image_id","source_url","local_path","width","height",
 *    "format","bytes","sha256"}],
 *    "resume":null|{"provider","remote_id",...}}
 * and, read back only: "claims", "webhook_url", "deadline_in_ms",
 * "images_deleted_at" (null, or when its images were removed),
 * "request_id" (the X-Request-Id that queued it).
 * A save of a job already in a final state changes nothing; the save
 * that makes it final NOTIFYs DB_CHANNEL_DONE with its id.
 * Not here: building the record (the engine), URLs (handlers).
 */
#ifndef DB_JOBS_H
#define DB_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/db/db.h"

#define DB_CURSOR_MAX	96
#define DB_CURSOR_US_MAX	24	/* the cursor's microseconds, text */
#define DB_CURSOR_ID_MAX	40	/* the cursor's job id */
/* NOTIFY channels: a job was queued (or released); a job reached a final
 * state (payload: its id); a job was cancelled (payload: its id). */
#define DB_CHANNEL_QUEUED	"imagegen_jobs"
#define DB_CHANNEL_DONE		"imagegen_done"
#define DB_CHANNEL_CANCEL	"imagegen_cancel"

struct db_jobs_query {
	const char	*project_id;	/* NULL = any */
	const char	*provider;
	const char	*status;
	const char	*since;		/* ISO 8601, NULL = open */
	const char	*until;
	const char	*cursor;	/* from a previous page, NULL = first */
	int		 limit;		/* 1..100 */
};

/*
 * Writes job (borrowed) in one transaction: the project row if new, the
 * job row (inserted, or updated when the id exists), its images (kept
 * when already there). ERR_INVALID_FIELD for a record missing id,
 * project_id, status or prompt_original; ERR_DB_UNAVAILABLE / ERR_DB.
 */
enum err	db_jobs_save(struct db *db, const json_t *job);
/* db_jobs_save() for a job still in progress: committed without waiting
 * for the WAL flush. A crash may lose it; the job's final save (durable,
 * the whole record again) or its spool file stands for it. */
enum err	db_jobs_save_progress(struct db *db, const json_t *job);
/* True for completed, failed and cancelled: states never left. */
bool		db_jobs_status_final(const char *status);
/* The job record of id (with images) in *out (caller json_decref()s);
 * ERR_NOT_FOUND when there is none. */
enum err	db_jobs_get(struct db *db, const char *id, json_t **out);
/*
 * Newest first: records (without prompt texts' optimizations) in *items
 * (caller decrefs), and in next the cursor of the following page ("" at
 * the end). ERR_BAD_QUERY for a malformed cursor or time.
 */
enum err	db_jobs_list(struct db *db, const struct db_jobs_query *q,
		    json_t **items, char next[DB_CURSOR_MAX]);
/* A next_cursor ("<microseconds since the epoch>.<job uuid>") into its
 * two parts; false when it is malformed or past year 9999 (what
 * PostgreSQL could not take). */
bool		db_jobs_cursor_parse(const char *c,
		    char us[DB_CURSOR_US_MAX], char id[DB_CURSOR_ID_MAX]);
/*
 * Over jobs created at or after since (ISO 8601), of project (NULL: every
 * project the scope sees), one object in *out (caller decrefs):
 *   "providers": [{provider, requests (jobs that tried it), attempts,
 *     succeeded, success_rate (of attempts), fallbacks, p50/p95/p99
 *     generation ms, mean_optimization_ms, images, bytes}],
 *   "totals": {requests (jobs), attempts, completed, failed, cancelled,
 *     in_flight, success_rate (completed of ended), fallbacks (completed
 *     by another provider than the first tried), p50/p95/p99 ms},
 *   "optimization": {prompts, optimized, characters_original,
 *     characters_optimized, characters_saved, saved_ratio, ollama, local,
 *     ollama_share, mean_optimization_ms, fallback_reasons {reason: n}},
 *   "storage": {project_id, images, bytes} (now, not windowed).
 */
enum err	db_jobs_stats(struct db *db, const char *since,
		    const char *project, json_t **out);

#endif
