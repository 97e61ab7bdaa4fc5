-- 005_job_queue: generation_jobs becomes the queue the runner works from.
-- A request inserts a 'queued' row holding its normalized request; a
-- runner claims it (FOR UPDATE SKIP LOCKED) under a lease, saves what it
-- needs to resume (the provider's job id) before each wait, and ends it.
-- Final states (completed, failed, cancelled) are never left again.
ALTER TABLE generation_jobs DROP CONSTRAINT generation_jobs_status_check;
ALTER TABLE generation_jobs ADD CONSTRAINT generation_jobs_status_check
	CHECK (status IN ('pending', 'queued', 'running', 'completed',
	    'failed', 'cancelled'));
-- The wall-clock time by which the job must end (GENERATE_TIMEOUT_S).
ALTER TABLE generation_jobs ADD COLUMN deadline timestamptz;
-- The runner holding the job and until when; a lapsed lease lets
-- another runner take the job over.
ALTER TABLE generation_jobs ADD COLUMN runner text;
ALTER TABLE generation_jobs ADD COLUMN lease_until timestamptz;
ALTER TABLE generation_jobs ADD COLUMN claims integer NOT NULL DEFAULT 0;
-- What a runner taking the job over needs to poll instead of paying
-- again: {"provider", "remote_id", "try", ...}.
ALTER TABLE generation_jobs ADD COLUMN resume jsonb;
-- Idempotency-Key: the same key and body return the same job (24 h).
ALTER TABLE generation_jobs ADD COLUMN idempotency_key text;
ALTER TABLE generation_jobs ADD COLUMN request_hash text;
-- An optional webhook, signed per Standard Webhooks, and its deliveries.
ALTER TABLE generation_jobs ADD COLUMN webhook_url text;
ALTER TABLE generation_jobs ADD COLUMN webhook jsonb;

CREATE INDEX generation_jobs_queue ON generation_jobs (created_at)
	WHERE status IN ('queued', 'running');
CREATE UNIQUE INDEX generation_jobs_idempotency
	ON generation_jobs (project_id, idempotency_key)
	WHERE idempotency_key IS NOT NULL;

-- A batch: its items in order, each a job id or the request error the
-- item got before it became a job.
CREATE TABLE generation_batches (
	id		uuid PRIMARY KEY,
	items		jsonb NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
