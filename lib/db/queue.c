/*
 * lib/db/queue.c - SQL of the job queue and of batches.
 * Not here: connections (db.c), the job record upsert (jobs.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/db/jobs.h"
#include "lib/db/jobs_sql.h"
#include "lib/db/queue.h"

#define ENQ_KEYS	9
static const char *const enq_keys[ENQ_KEYS] = {
	"id", "project_id", "requested_provider", "prompt_original",
	"prompt_final", "prompt_meta", "params", "optimize_ms", "created_at",
};

#define ENQ_INSERT							\
    "INSERT INTO generation_jobs (id, project_id, status, "		\
    "requested_provider, prompt_original, prompt_final, prompt_meta, "	\
    "params, optimize_ms, created_at, deadline, idempotency_key, "	\
    "request_hash, webhook_url, key_id, request_id) VALUES ($1::uuid, "	\
    "imagegen_project_ensure($2), 'queued', $3, $4, "			\
    "$5, coalesce($6::jsonb, '{}'), coalesce($7::jsonb, '{}'), "	\
    "$8::float8, coalesce($9::timestamptz, now()), now() + $10::int * "	\
    "interval '1 second', $11, $12, $13, $14::uuid, $15) ON CONFLICT "	\
    "(project_id, "							\
    "idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING "	\
    "RETURNING id"

static const char enq_insert[] = ENQ_INSERT;

/* Without a key: the job (its project too if new) and the NOTIFY in one
 * statement (one round trip, committed durably on its own). */
static const char enq_one[] =
    "WITH j AS (" ENQ_INSERT ") "
    "SELECT pg_notify('" DB_CHANNEL_QUEUED "', '') FROM j";

/* A key older than 24 h is free again: its old job lets go of it. */
static const char enq_expire[] =
    "UPDATE generation_jobs SET idempotency_key = NULL WHERE "
    "project_id = $1 AND idempotency_key = $2 AND "
    "created_at < now() - interval '24 hours'";

static const char enq_existing[] =
    "SELECT " JOB_JSON ", j.request_hash IS NOT DISTINCT FROM $3 "
    "FROM generation_jobs j WHERE j.project_id = $1 AND "
    "j.idempotency_key = $2";

/* The job that holds q's key: *existing, or ERR_IDEMPOTENCY_MISMATCH. */
static enum err
enq_replay(struct db *db, const char *project, const struct db_enqueue *q,
    json_t **existing)
{
	const char *p[3] = { project, q->idempotency_key, q->request_hash };
	PGresult *r = NULL;
	json_t *a = NULL;
	enum err e;

	if ((e = db_exec(db, enq_existing, 3, p, &r)) != ERR_OK)
		goto out;
	if (PQntuples(r) != 1) {
		e = ERR_DB;		/* the conflict says it is there */
		goto out;
	}
	if (strcmp(PQgetvalue(r, 0, 1), "t") != 0) {
		e = ERR_IDEMPOTENCY_MISMATCH;
		goto out;
	}
	if ((e = db_rows_to_array(r, &a)) == ERR_OK)
		*existing = json_incref(json_array_get(a, 0));
out:
	json_decref(a);
	PQclear(r);
	return e;
}

static void	enq_params(const json_t *, const struct db_enqueue *, char[24],
		    char *[ENQ_KEYS + 6]);

static enum err
enq_insert_job(struct db *db, const json_t *job, const struct db_enqueue *q,
    bool *inserted)
{
	char *p[ENQ_KEYS + 6], dl[24];
	PGresult *r = NULL;
	size_t k;
	enum err e;

	enq_params(job, q, dl, p);
	e = db_exec(db, enq_expire, 2, (const char *const[]){ p[1],
		    q->idempotency_key }, NULL);
	if (e == ERR_OK)
		e = db_exec(db, enq_insert, ENQ_KEYS + 6,
		    (const char *const *)p, &r);
	*inserted = e == ERR_OK && PQntuples(r) == 1;
	for (k = 0; k < ENQ_KEYS; k++)
		free(p[k]);
	PQclear(r);
	return e;
}

/* The parameters of ENQ_INSERT for job and q into p (the first
 * ENQ_KEYS are the caller's to free). */
static void
enq_params(const json_t *job, const struct db_enqueue *q, char dl[24],
    char *p[ENQ_KEYS + 6])
{
	size_t k;

	for (k = 0; k < ENQ_KEYS; k++)
		p[k] = db_member_text(job, enq_keys[k]);
	snprintf(dl, 24, "%ld", q->deadline_s);
	p[ENQ_KEYS] = dl;
	p[ENQ_KEYS + 1] = (char *)q->idempotency_key;
	p[ENQ_KEYS + 2] = (char *)q->request_hash;
	p[ENQ_KEYS + 3] = (char *)q->webhook_url;
	p[ENQ_KEYS + 4] = (char *)q->key_id;
	p[ENQ_KEYS + 5] = (char *)q->request_id;
}

enum err
db_queue_enqueue(struct db *db, const json_t *job, const struct db_enqueue *q,
    json_t **existing)
{
	char *p[ENQ_KEYS + 6], dl[24];
	bool inserted = false;
	size_t k;
	enum err e;

	*existing = NULL;
	if (q->idempotency_key == NULL) {
		enq_params(job, q, dl, p);
		e = db_exec_hot(db, enq_one, ENQ_KEYS + 6, (const char *const *)p,
		    NULL);
		for (k = 0; k < ENQ_KEYS; k++)
			free(p[k]);
		return e;
	}
	if ((e = db_begin(db)) != ERR_OK)
		return e;
	if ((e = enq_insert_job(db, job, q, &inserted)) == ERR_OK &&
	    !inserted)
		e = enq_replay(db, json_string_value(json_object_get(job,
		    "project_id")), q, existing);
	if (e == ERR_OK && inserted)
		e = db_exec(db, "SELECT pg_notify('" DB_CHANNEL_QUEUED "', '')",
		    0, NULL, NULL);
	if (e == ERR_OK)
		e = db_commit(db);
	if (e != ERR_OK) {
		db_rollback(db);
		json_decref(*existing);
		*existing = NULL;
	}
	return e;
}

static const char claim_sql[] =
    "WITH c AS (SELECT id FROM generation_jobs WHERE status IN "
    "('queued', 'running') AND (status = 'queued' OR lease_until < now()) "
    "AND (deadline IS NULL OR deadline > now()) "
    /* a lease of ours that lapsed (the database was away): the job is
     * still ours, in flight or spooled; never a second run of it */
    "AND runner IS DISTINCT FROM $1 ORDER BY created_at "
    "LIMIT $3::int FOR UPDATE SKIP LOCKED) "
    "UPDATE generation_jobs j SET status = 'running', runner = $1, "
    "lease_until = now() + $2::int * interval '1 second', "
    "claims = j.claims + 1 FROM c WHERE j.id = c.id RETURNING " JOB_JSON;

/* Runs claim statement sql ($1 runner, $2 lease, $3 max): the rows'
 * JSON into *jobs. */
static enum err
claim_rows(struct db *db, const char *sql, const char *runner, long lease_s,
    long max, json_t **jobs)
{
	char ls[24], mx[24];
	PGresult *r = NULL;
	enum err e;

	*jobs = NULL;
	snprintf(ls, sizeof(ls), "%ld", lease_s);
	snprintf(mx, sizeof(mx), "%ld", max);
	if ((e = db_exec_hot(db, sql, 3, (const char *const[]){ runner, ls,
	    mx }, &r)) == ERR_OK)
		e = db_rows_to_array(r, jobs);
	PQclear(r);
	return e;
}

enum err
db_queue_claim(struct db *db, const char *runner, long lease_s, long max,
    json_t **jobs)
{
	return claim_rows(db, claim_sql, runner, lease_s, max, jobs);
}

enum err
db_queue_renew(struct db *db, const char *runner, long lease_s)
{
	char ls[24];

	snprintf(ls, sizeof(ls), "%ld", lease_s);
	return db_exec(db, "WITH p AS (UPDATE prompt_jobs SET lease_until = "
	    "now() + $2::int * interval '1 second' WHERE runner = $1 AND "
	    "status = 'running') UPDATE generation_jobs SET lease_until = "
	    "now() + $2::int * interval '1 second' WHERE runner = $1 AND "
	    "status = 'running'", 2, (const char *const[]){ runner, ls },
	    NULL);
}

enum err
db_queue_release(struct db *db, const char *runner)
{
	return db_exec(db, "WITH p AS (UPDATE prompt_jobs SET lease_until = "
	    "now() - interval '1 second' WHERE runner = $1 AND status = "
	    "'running' RETURNING id), r AS (UPDATE generation_jobs SET "
	    "lease_until = now() - interval '1 second' WHERE runner = $1 AND "
	    "status = 'running' RETURNING id) SELECT pg_notify('"
	    DB_CHANNEL_QUEUED "', '') FROM (SELECT id FROM r UNION ALL "
	    "SELECT id FROM p) x LIMIT 1", 1, &runner, NULL);
}

static const char reap_sql[] =
    "WITH r AS (UPDATE generation_jobs SET status = 'failed', "
    "completed_at = now(), error = jsonb_build_object('code', 'timeout', "
    "'message', 'the job did not end by its deadline: no runner finished "
    "it') WHERE status IN ('queued', 'running') AND deadline < now() AND "
    "(lease_until IS NULL OR lease_until < now()) RETURNING id), "
    "p AS (UPDATE prompt_jobs SET status = 'failed', completed_at = now() "
    "WHERE status IN ('queued', 'running') AND deadline < now() AND "
    "(lease_until IS NULL OR lease_until < now()) RETURNING id) "
    "SELECT count(pg_notify('" DB_CHANNEL_DONE "', id::text)) FROM "
    "(SELECT id FROM r UNION ALL SELECT id FROM p) x";

enum err
db_queue_reap(struct db *db, long *n)
{
	PGresult *r = NULL;
	enum err e;

	*n = 0;
	if ((e = db_exec(db, reap_sql, 0, NULL, &r)) == ERR_OK)
		*n = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	return e;
}

static const char cancel_sql[] =
    "WITH c AS (UPDATE generation_jobs SET status = 'cancelled', "
    "completed_at = now(), error = jsonb_build_object('code', "
    "'cancelled', 'message', 'the job was cancelled (DELETE)') WHERE "
    "id = $1::uuid AND status IN ('pending', 'queued', 'running') "
    "RETURNING id) SELECT pg_notify('" DB_CHANNEL_CANCEL "', id::text), "
    "pg_notify('" DB_CHANNEL_DONE "', id::text) FROM c UNION ALL "
    "SELECT NULL, NULL FROM generation_jobs WHERE id = $1::uuid";

enum err
db_queue_cancel(struct db *db, const char *id)
{
	PGresult *r = NULL;
	enum err e;
	int n;

	if ((e = db_exec(db, cancel_sql, 1, &id, &r)) != ERR_OK)
		return e;
	n = PQntuples(r);
	PQclear(r);
	return n == 0 ? ERR_NOT_FOUND : n == 1 ? ERR_CANCELLED : ERR_OK;
}

enum err
db_batch_insert(struct db *db, const char *id, const char *project,
    const json_t *items)
{
	char *text = json_dumps(items, JSON_COMPACT);
	enum err e;

	if (text == NULL)
		return ERR_NOMEM;
	e = db_exec(db, "INSERT INTO generation_batches (id, items, "
	    "project_id) VALUES ($1::uuid, $2::jsonb, $3)", 3,
	    (const char *const[]){ id, text, project }, NULL);
	free(text);
	return e;
}

enum err
db_batch_get(struct db *db, const char *id, json_t **out)
{
	return db_one_json(db, "SELECT json_build_object('id', id, 'items', "
	    "items, 'age_ms', floor(extract(epoch FROM now() - created_at) * "
	    "1000)) FROM generation_batches WHERE id = $1::uuid", id, out);
}

/* ---- provider places (max_concurrent across hosts) ---- */

enum err
db_place_take(struct db *db, const char *provider, const char *job, int cap,
    bool *ok)
{
	char c[16];
	PGresult *r = NULL;
	enum err e;

	*ok = false;
	snprintf(c, sizeof(c), "%d", cap);
	if ((e = db_exec_hot(db, "SELECT imagegen_place_take($1, $2::uuid, "
	    "$3::int)", 3, (const char *const[]){ provider, job, c }, &r)) ==
	    ERR_OK)
		*ok = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return e;
}

enum err
db_place_give(struct db *db, const char *provider, const char *job)
{
	return db_exec_hot(db, "DELETE FROM provider_places WHERE provider = "
	    "$1 AND job_id = $2::uuid", 2, (const char *const[]){ provider,
	    job }, NULL);
}

enum err
db_rate_take(struct db *db, const char *provider, int per_min, bool *ok)
{
	char n[16];
	PGresult *r = NULL;
	enum err e;

	*ok = false;
	snprintf(n, sizeof(n), "%d", per_min);
	if ((e = db_exec_hot(db, "INSERT INTO provider_rate AS r (provider, "
	    "minute, used) VALUES ($1, date_trunc('minute', now()), 1) "
	    "ON CONFLICT (provider, minute) DO UPDATE SET used = r.used + 1 "
	    "WHERE r.used < $2::int RETURNING used", 2, (const char *const[]){
	    provider, n }, &r)) == ERR_OK)
		*ok = PQntuples(r) == 1;
	PQclear(r);
	return e;
}

enum err
db_rate_prune(struct db *db)
{
	enum err e;

	e = db_exec(db, "DELETE FROM provider_rate WHERE minute < now() - "
	    "interval '10 minutes'", 0, NULL, NULL);
	if (e == ERR_OK)
		e = db_exec(db, "DELETE FROM api_key_usage WHERE minute < "
		    "now() - interval '10 minutes'", 0, NULL, NULL);
	return e;
}

enum err
db_circuit_open(struct db *db, const char *provider, int64_t until_ms)
{
	char u[24];

	snprintf(u, sizeof(u), "%lld", (long long)until_ms);
	return db_exec_hot(db, "INSERT INTO provider_circuits (provider, "
	    "open_until) VALUES ($1, to_timestamp($2::bigint / 1000.0)) "
	    "ON CONFLICT (provider) DO UPDATE SET open_until = "
	    "greatest(provider_circuits.open_until, EXCLUDED.open_until), "
	    "updated_at = now()", 2, (const char *const[]){ provider, u },
	    NULL);
}

enum err
db_circuits_open_get(struct db *db, json_t **out)
{
	PGresult *r = NULL;
	enum err e;

	*out = NULL;
	if ((e = db_exec_hot(db, "SELECT json_build_object('provider', "
	    "provider, 'until_ms', floor(extract(epoch FROM open_until) * "
	    "1000)) FROM provider_circuits WHERE open_until > now()", 0, NULL,
	    &r)) == ERR_OK)
		e = db_rows_to_array(r, out);
	PQclear(r);
	return e;
}

/* ---- prompt_jobs ---- */

static const char prompt_enq_sql[] =
    "WITH j AS (INSERT INTO prompt_jobs (id, request, answer, deadline, "
    "project_id) VALUES ($1::uuid, $2::jsonb, $3::jsonb, now() + $4::int * "
    "interval '1 second', $5) RETURNING id) "
    "SELECT pg_notify('" DB_CHANNEL_QUEUED "', '') FROM j";

enum err
db_prompt_enqueue(struct db *db, const char *id, const char *project,
    const json_t *request, const json_t *answer, long deadline_s)
{
	char *rq = json_dumps(request, JSON_COMPACT), *an = json_dumps(answer,
	    JSON_COMPACT), dl[24];
	enum err e = ERR_NOMEM;

	snprintf(dl, sizeof(dl), "%ld", deadline_s);
	if (rq != NULL && an != NULL)
		e = db_exec_hot(db, prompt_enq_sql, 5, (const char *const[]){
		    id, rq, an, dl, project }, NULL);
	free(rq);
	free(an);
	return e;
}

static const char prompt_claim_sql[] =
    "WITH c AS (SELECT id FROM prompt_jobs WHERE status IN ('queued', "
    "'running') AND (status = 'queued' OR lease_until < now()) AND "
    "deadline > now() AND runner IS DISTINCT FROM $1 ORDER BY created_at "
    "LIMIT $3::int FOR UPDATE SKIP LOCKED) "
    "UPDATE prompt_jobs p SET status = 'running', runner = $1, "
    "lease_until = now() + $2::int * interval '1 second' FROM c "
    "WHERE p.id = c.id RETURNING json_build_object('id', p.id, "
    "'request', p.request, 'answer', p.answer, 'deadline_in_ms', "
    "floor(extract(epoch FROM p.deadline - now()) * 1000))";

enum err
db_prompt_claim(struct db *db, const char *runner, long lease_s, long max,
    json_t **jobs)
{
	return claim_rows(db, prompt_claim_sql, runner, lease_s, max, jobs);
}

static const char prompt_finish_sql[] =
    "WITH j AS (UPDATE prompt_jobs SET status = 'completed', answer = "
    "$2::jsonb, completed_at = now() WHERE id = $1::uuid AND status IN "
    "('queued', 'running') RETURNING id) "
    "SELECT pg_notify('" DB_CHANNEL_DONE "', id::text) FROM j";

enum err
db_prompt_finish(struct db *db, const char *id, const json_t *answer)
{
	char *an = json_dumps(answer, JSON_COMPACT);
	enum err e;

	if (an == NULL)
		return ERR_NOMEM;
	e = db_exec_hot(db, prompt_finish_sql, 2, (const char *const[]){ id,
	    an }, NULL);
	free(an);
	return e;
}

enum err
db_prompt_get(struct db *db, const char *id, json_t **out)
{
	return db_one_json(db, "SELECT json_build_object('id', id, 'status', "
	    "status, 'answer', answer) FROM prompt_jobs WHERE id = $1::uuid",
	    id, out);
}
