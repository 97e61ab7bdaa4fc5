/*
 * lib/db/queue.h - generation_jobs as a work queue: enqueue (with
 * Idempotency-Key), claim under a lease (FOR UPDATE SKIP LOCKED), renew
 * and release leases, reap jobs whose runner is gone past their deadline,
 * cancel; and generation_batches (a batch's items in order).
 * Not here: the job record's content (lib/gen), saving progress (jobs.c).
 */
#ifndef DB_QUEUE_H
#define DB_QUEUE_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/db/db.h"

/* What goes with a job into the queue beside its record. */
struct db_enqueue {
	long		 deadline_s;	/* from now */
	const char	*idempotency_key;	/* NULL = none */
	const char	*request_hash;		/* with a key: the body's */
	const char	*webhook_url;		/* NULL = none */
	const char	*key_id;		/* client key; NULL = none */
	const char	*request_id;		/* X-Request-Id; NULL = none */
};

/*
 * Inserts job (a record with status "queued", borrowed) and NOTIFYs the
 * runners, in one durable transaction. With an idempotency key that this
 * project used in the last 24 h, nothing is inserted: *existing gets that
 * job's record (caller decrefs) when the request hash is the same, else
 * ERR_IDEMPOTENCY_MISMATCH. *existing is NULL for a new job.
 */
enum err	db_queue_enqueue(struct db *db, const json_t *job,
		    const struct db_enqueue *q, json_t **existing);
/*
 * Claims up to max queued jobs (or running ones of another runner whose
 * lease lapsed and whose deadline has not passed) for runner, leased
 * lease_s seconds; status becomes running. *jobs is an array of records (caller decrefs).
 */
enum err	db_queue_claim(struct db *db, const char *runner, long lease_s,
		    long max, json_t **jobs);
/* Extends the lease of every job runner holds. */
enum err	db_queue_renew(struct db *db, const char *runner, long lease_s);
/* Ends runner's leases now (a stopping runner): others take the jobs. */
enum err	db_queue_release(struct db *db, const char *runner);
/* Fails jobs past their deadline whose lease lapsed (their runner is
 * gone), NOTIFYing each; their number in *n. */
enum err	db_queue_reap(struct db *db, long *n);
/*
 * Cancels job id if it is queued or running (NOTIFYing the runners and
 * the waiters). ERR_NOT_FOUND when there is no such job, ERR_CANCELLED
 * when it had already ended (nothing changed).
 */
enum err	db_queue_cancel(struct db *db, const char *id);
/* Inserts batch id of project with its items (array, borrowed). */
enum err	db_batch_insert(struct db *db, const char *id,
		    const char *project, const json_t *items);
/* The batch: {"id","items","age_ms"} (caller decrefs); ERR_NOT_FOUND. */
enum err	db_batch_get(struct db *db, const char *id, json_t **out);

/*
 * A provider's max_concurrent across every runner and host: takes one of
 * its cap places for job (*ok false when live jobs hold them all), or
 * gives it back. The job must be running under a live lease for its
 * place to count.
 */
enum err	db_place_take(struct db *db, const char *provider,
		    const char *job, int cap, bool *ok);
enum err	db_place_give(struct db *db, const char *provider,
		    const char *job);
/* One call from provider's per_min budget of this minute, counted across
 * every runner and host: *ok false when it is spent. Rows of past
 * minutes go with db_rate_prune(), with those of client keys. */
enum err	db_rate_take(struct db *db, const char *provider, int per_min,
		    bool *ok);
enum err	db_rate_prune(struct db *db);
/* A circuit this host opened, until until_ms (wall clock), for every
 * host to see; and the ones open now ([{"provider","until_ms"}]). */
enum err	db_circuit_open(struct db *db, const char *provider,
		    int64_t until_ms);
enum err	db_circuits_open_get(struct db *db, json_t **out);
/*
 * prompt_jobs (a validate-prompt waiting for Ollama): enqueue {"text",
 * "target","method"} with the answer so far (NOTIFY the runners); claim
 * up to max for runner ([{"id","request","answer"}], caller decrefs);
 * finish with the whole answer (NOTIFY its waiters); get
 * {"id","status","answer"} (ERR_NOT_FOUND).
 */
enum err	db_prompt_enqueue(struct db *db, const char *id,
		    const char *project, const json_t *request,
		    const json_t *answer, long deadline_s);
enum err	db_prompt_claim(struct db *db, const char *runner,
		    long lease_s, long max, json_t **jobs);
enum err	db_prompt_finish(struct db *db, const char *id,
		    const json_t *answer);
enum err	db_prompt_get(struct db *db, const char *id, json_t **out);

#endif
