/*
 * lib/db/jobs.c - SQL for generation_jobs and images.
 * Not here: connection handling (db.c), spooling (spool.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/core/uuid.h"
#include "lib/db/jobs.h"
#include "lib/db/jobs_sql.h"

char *
db_member_text(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (v == NULL || json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(17));
}

/*
 * A job record in one statement: its project if new, the job row
 * (inserted, or updated while not final), its images (all of them from
 * one JSON array parameter, kept when already there) and, when it became
 * final, the NOTIFY of its waiters. One round trip, atomic on its own.
 */
#define JOB_NPARAMS	19
static const char *const job_keys[JOB_NPARAMS] = {
	"id", "project_id", "status", "requested_provider", "provider",
	"prompt_original", "prompt_final", "prompt_meta", "params",
	"attempts", "error", "optimize_ms", "generate_ms", "created_at",
	"completed_at", "provider_model", "warnings", "resume", "images",
};

static const char job_save_sql[] =
    "WITH p AS (INSERT INTO projects (id, name) VALUES ($2, $2) "
    "ON CONFLICT (id) DO NOTHING), "
    "j AS (INSERT INTO generation_jobs (id, project_id, status, "
    "requested_provider, provider, prompt_original, prompt_final, "
    "prompt_meta, params, attempts, error, optimize_ms, generate_ms, "
    "created_at, completed_at, provider_model, warnings, resume) "
    "VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, "
    "coalesce($8::jsonb, '{}'), coalesce($9::jsonb, '{}'), "
    "coalesce($10::jsonb, '[]'), $11::jsonb, $12::float8, $13::float8, "
    "coalesce($14::timestamptz, now()), $15::timestamptz, $16, "
    "coalesce($17::jsonb, '[]'), $18::jsonb) "
    "ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "
    "provider = EXCLUDED.provider, prompt_final = EXCLUDED.prompt_final, "
    "prompt_meta = EXCLUDED.prompt_meta, attempts = EXCLUDED.attempts, "
    "error = EXCLUDED.error, optimize_ms = EXCLUDED.optimize_ms, "
    "generate_ms = EXCLUDED.generate_ms, "
    "completed_at = EXCLUDED.completed_at, "
    "provider_model = EXCLUDED.provider_model, warnings = EXCLUDED.warnings, "
    "resume = EXCLUDED.resume "
    /* a final state (completed, failed, cancelled) is never left */
    "WHERE generation_jobs.status IN ('pending', 'queued', 'running') "
    "RETURNING id, status), "
    "i AS (INSERT INTO images (id, provider, provider_image_id, source_url, "
    "local_path, width, height, format, bytes, sha256, nsfw, synthid, "
    "job_id, project_id) "
    "SELECT x.id, x.provider, x.provider_image_id, x.source_url, "
    "x.local_path, x.width, x.height, x.format, x.bytes, x.sha256, "
    "x.nsfw, x.synthid, "
    "$1::uuid, $2 FROM json_to_recordset(coalesce($19::json, '[]')) AS "
    "x(id uuid, provider text, provider_image_id text, source_url text, "
    "local_path text, width int, height int, format text, bytes bigint, "
    "sha256 text, nsfw boolean, synthid boolean) "
    "WHERE EXISTS (SELECT 1 FROM j) "
    "ON CONFLICT (id) DO NOTHING) "
    "SELECT pg_notify('" DB_CHANNEL_DONE "', j.id::text) FROM j "
    "WHERE j.status IN ('completed', 'failed', 'cancelled')";

static void
texts_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

/* The save; durable false commits without waiting for the WAL flush
 * (then inside a transaction, for SET LOCAL). */
static enum err
save(struct db *db, const json_t *job, bool durable)
{
	char *p[JOB_NPARAMS] = { NULL };
	size_t k;
	enum err e;

	for (k = 0; k < JOB_NPARAMS; k++)
		p[k] = db_member_text(job, job_keys[k]);
	if (!p[0] || !p[1] || !p[2] || !p[5]) {
		e = ERR_INVALID_FIELD;
		goto out;
	}
	if (durable) {
		e = db_exec_hot(db, job_save_sql, JOB_NPARAMS,
		    (const char *const *)p, NULL);
		goto out;
	}
	if ((e = db_begin(db)) != ERR_OK)
		goto out;
	e = db_exec(db, "SET LOCAL synchronous_commit = off", 0, NULL, NULL);
	if (e == ERR_OK)
		e = db_exec_hot(db, job_save_sql, JOB_NPARAMS,
		    (const char *const *)p, NULL);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK)
		db_rollback(db);
out:
	texts_free(p, JOB_NPARAMS);
	return e;
}

enum err
db_jobs_save(struct db *db, const json_t *job)
{
	return save(db, job, true);
}

enum err
db_jobs_save_progress(struct db *db, const json_t *job)
{
	return save(db, job, false);
}

enum err
db_rows_to_array(PGresult *r, json_t **out)
{
	json_t *a = json_array(), *v;
	int i;

	if (a == NULL)
		return ERR_NOMEM;
	for (i = 0; i < PQntuples(r); i++) {
		if ((v = json_loads(PQgetvalue(r, i, 0), 0, NULL)) == NULL) {
			json_decref(a);
			return ERR_DB;
		}
		json_array_append_new(a, v);
	}
	*out = a;
	return ERR_OK;
}

enum err
db_one_json(struct db *db, const char *sql, const char *param, json_t **out)
{
	PGresult *r = NULL;
	json_t *a = NULL;
	enum err e;

	*out = NULL;
	e = db_exec_hot(db, sql, 1, &param, &r);
	if (e == ERR_OK && PQntuples(r) == 0)
		e = ERR_NOT_FOUND;
	if (e == ERR_OK && (e = db_rows_to_array(r, &a)) == ERR_OK)
		*out = json_incref(json_array_get(a, 0));
	json_decref(a);
	PQclear(r);
	return e;
}

enum err
db_jobs_get(struct db *db, const char *id, json_t **out)
{
	return db_one_json(db, "SELECT " JOB_JSON " FROM generation_jobs j "
	    "WHERE j.id = $1::uuid", id, out);
}

/* The last microsecond PostgreSQL's timestamptz can hold that a cursor
 * may name: 9999-12-31T23:59:59.999999Z. */
#define CURSOR_US_MAX	253402300799999999LL

bool
db_jobs_cursor_parse(const char *c, char us[DB_CURSOR_US_MAX],
    char id[DB_CURSOR_ID_MAX])
{
	size_t n = strspn(c, "0123456789");
	long long v = 0;
	size_t i;

	if (n == 0 || n > 18 || c[n] != '.' || !uuid_check(c + n + 1) ||
	    strlen(c + n + 1) != UUID_STRLEN)
		return false;
	for (i = 0; i < n; i++)
		v = v * 10 + (c[i] - '0');
	if (v > CURSOR_US_MAX)
		return false;
	snprintf(us, DB_CURSOR_US_MAX, "%lld", v);
	snprintf(id, DB_CURSOR_ID_MAX, "%s", c + n + 1);
	return true;
}

static const char jobs_list_sql[] =
    "SELECT " JOB_JSON ", (extract(epoch FROM j.created_at) * 1000000)"
    "::bigint || '.' || j.id FROM generation_jobs j WHERE "
    "($1::text IS NULL OR j.project_id = $1) AND "
    "($2::text IS NULL OR j.provider = $2) AND "
    "($3::text IS NULL OR j.status = $3) AND "
    "($4::timestamptz IS NULL OR j.created_at >= $4) AND "
    "($5::timestamptz IS NULL OR j.created_at < $5) AND "
    "($6::bigint IS NULL OR (j.created_at, j.id) < (timestamptz 'epoch' + "
    "$6::bigint * interval '1 microsecond', $7::uuid)) "
    "ORDER BY j.created_at DESC, j.id DESC LIMIT $8::int";

enum err
db_jobs_list(struct db *db, const struct db_jobs_query *q, json_t **items,
    char next[DB_CURSOR_MAX])
{
	char us[DB_CURSOR_US_MAX], id[DB_CURSOR_ID_MAX], lim[16];
	const char *p[8] = { q->project_id, q->provider, q->status, q->since,
	    q->until, NULL, NULL, lim };
	PGresult *r = NULL;
	enum err e;
	int n;

	*items = NULL;
	next[0] = '\0';
	if (q->cursor != NULL) {
		if (!db_jobs_cursor_parse(q->cursor, us, id))
			return ERR_BAD_QUERY;
		p[5] = us;
		p[6] = id;
	}
	snprintf(lim, sizeof(lim), "%d", q->limit + 1);
	if ((e = db_exec(db, jobs_list_sql, 8, p, &r)) != ERR_OK)
		return e;
	n = PQntuples(r);
	if (n > q->limit) {
		snprintf(next, DB_CURSOR_MAX, "%s", PQgetvalue(r, q->limit - 1,
		    1));
		n = q->limit;
	}
	e = db_rows_to_array(r, items);
	while (e == ERR_OK && json_array_size(*items) > (size_t)n)
		json_array_remove(*items, json_array_size(*items) - 1);
	PQclear(r);
	return e;
}

/*
 * The statistics of jobs created since $1 (of project $2, NULL: any) as
 * one JSON object. Per provider: requests are the jobs that tried it,
 * attempts its tries (several per job with retries and fallbacks),
 * fallbacks and the mean optimization time per job (not per try), and
 * the prompts it was given shortened (optimized, characters_saved: by
 * the provider that served the job); totals count each job once.
 * Optimization reads what each job's prompt_meta.prompt_validation
 * recorded. Storage is what the images table holds now (not windowed).
 */
#define STATS_JOBS							\
    "jw AS (SELECT * FROM generation_jobs j WHERE j.created_at >= "	\
    "$1::timestamptz AND ($2::text IS NULL OR j.project_id = $2)), "
#define STATS_PROVIDERS							\
    "a AS (SELECT j.id AS job, j.provider AS final, j.status, "	\
    "j.optimize_ms, x->>'provider' AS p, x->>'outcome' AS outcome, "	\
    "(x->>'ms')::float8 AS ms FROM jw j, "				\
    "jsonb_array_elements(j.attempts) x), "				\
    "img AS (SELECT provider, count(*) AS n, sum(bytes) AS b FROM images "\
    "WHERE created_at >= $1::timestamptz AND ($2::text IS NULL OR "	\
    "project_id = $2) GROUP BY provider), "				\
    "prov AS (SELECT json_build_object('provider', a.p, 'requests', "	\
    "count(DISTINCT a.job), 'attempts', count(*), "			\
    "'succeeded', count(*) FILTER (WHERE outcome = 'ok'), "		\
    "'success_rate', round(avg((outcome = 'ok')::int)::numeric, 4), "	\
    "'fallbacks', count(DISTINCT a.job) FILTER (WHERE outcome <> 'ok' "\
    "AND status = 'completed' AND final IS DISTINCT FROM p), "		\
    "'p50_generation_ms', percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) "\
    "FILTER (WHERE outcome = 'ok'), "					\
    "'p95_generation_ms', percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) "\
    "FILTER (WHERE outcome = 'ok'), "					\
    "'p99_generation_ms', percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) "\
    "FILTER (WHERE outcome = 'ok'), "					\
    "'mean_optimization_ms', (SELECT avg(optimize_ms) FROM jw WHERE "	\
    "jw.id IN (SELECT job FROM a a2 WHERE a2.p = a.p)), "		\
    "'optimized', (SELECT count(*) FROM pvo WHERE pvo.provider = a.p), "\
    "'characters_saved', (SELECT coalesce(sum(orig - opt), 0) FROM pvo "\
    "WHERE pvo.provider = a.p), "					\
    "'images', coalesce(max(img.n), 0), 'bytes', coalesce(max(img.b), 0)) "\
    "AS o FROM a LEFT JOIN img ON img.provider = a.p GROUP BY a.p), "
#define STATS_TOTALS							\
    "tot AS (SELECT json_build_object('requests', count(*), "		\
    "'attempts', coalesce(sum(jsonb_array_length(attempts)), 0), "	\
    "'completed', count(*) FILTER (WHERE status = 'completed'), "	\
    "'failed', count(*) FILTER (WHERE status = 'failed'), "		\
    "'cancelled', count(*) FILTER (WHERE status = 'cancelled'), "	\
    "'in_flight', count(*) FILTER (WHERE status IN ('pending', "	\
    "'queued', 'running')), "						\
    "'success_rate', round(avg((status = 'completed')::int) FILTER ("	\
    "WHERE status IN ('completed', 'failed'))::numeric, 4), "		\
    "'fallbacks', count(*) FILTER (WHERE status = 'completed' AND "	\
    "attempts->0->>'provider' <> provider), "				\
    "'p50_generation_ms', percentile_cont(0.5) WITHIN GROUP (ORDER BY "	\
    "generate_ms) FILTER (WHERE status = 'completed'), "		\
    "'p95_generation_ms', percentile_cont(0.95) WITHIN GROUP (ORDER BY "\
    "generate_ms) FILTER (WHERE status = 'completed'), "		\
    "'p99_generation_ms', percentile_cont(0.99) WITHIN GROUP (ORDER BY "\
    "generate_ms) FILTER (WHERE status = 'completed')) AS o FROM jw), "
/* A prompt was shortened when its method is ollama or local. */
#define STATS_OPTIMIZATION						\
    "pv AS (SELECT v->>'method' AS method, v->>'fallback_reason' AS why, "\
    "(v->>'original_length')::bigint AS orig, "			\
    "(v->>'optimized_length')::bigint AS opt, ms, provider FROM (SELECT "\
    "prompt_meta->'prompt_validation' AS v, optimize_ms AS ms, provider "\
    "FROM jw "								\
    "WHERE prompt_meta ? 'prompt_validation') s), "			\
    "pvo AS (SELECT * FROM pv WHERE method IN ('ollama', 'local')), "	\
    "opt AS (SELECT json_build_object('prompts', (SELECT count(*) FROM pv), "\
    "'optimized', count(*), 'characters_original', coalesce(sum(orig), 0), "\
    "'characters_optimized', coalesce(sum(opt), 0), "			\
    "'characters_saved', coalesce(sum(orig - opt), 0), "		\
    "'saved_ratio', round((1 - sum(opt)::numeric / nullif(sum(orig), 0)), 4), "\
    "'ollama', count(*) FILTER (WHERE method = 'ollama'), "		\
    "'local', count(*) FILTER (WHERE method = 'local'), "		\
    "'ollama_share', round(avg((method = 'ollama')::int)::numeric, 4), "\
    "'mean_optimization_ms', avg(ms), "					\
    "'fallback_reasons', coalesce((SELECT json_object_agg(why, n) FROM "\
    "(SELECT why, count(*) AS n FROM pvo WHERE why IS NOT NULL GROUP BY "\
    "why) r), '{}'::json)) AS o FROM pvo), "
#define STATS_STORAGE							\
    "st AS (SELECT json_build_object('project_id', $2::text, 'images', "\
    "count(*), 'bytes', coalesce(sum(bytes), 0)) AS o FROM images WHERE "\
    "$2::text IS NULL OR project_id = $2) "

static const char jobs_stats_sql[] =
    "WITH " STATS_JOBS STATS_OPTIMIZATION STATS_PROVIDERS STATS_TOTALS
    STATS_STORAGE
    "SELECT json_build_object('providers', coalesce((SELECT json_agg(o "
    "ORDER BY o->>'provider') FROM prov), '[]'::json), 'totals', (SELECT "
    "o FROM tot), 'optimization', (SELECT o FROM opt), 'storage', "
    "(SELECT o FROM st))";

enum err
db_jobs_stats(struct db *db, const char *since, const char *project,
    json_t **out)
{
	const char *p[2] = { since, project };
	PGresult *r = NULL;
	json_t *a = NULL;
	enum err e;

	*out = NULL;
	if ((e = db_exec(db, jobs_stats_sql, 2, p, &r)) == ERR_OK &&
	    (e = db_rows_to_array(r, &a)) == ERR_OK)
		*out = json_incref(json_array_get(a, 0));
	json_decref(a);
	PQclear(r);
	return e == ERR_OK && *out == NULL ? ERR_DB : e;
}

bool
db_jobs_status_final(const char *status)
{
	return status != NULL && (strcmp(status, "completed") == 0 ||
	    strcmp(status, "failed") == 0 || strcmp(status, "cancelled") == 0);
}
