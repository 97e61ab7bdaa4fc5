-- 013_job_request_id: the X-Request-Id of the request that queued a job,
-- so that its runner's log lines (claims, attempts, the end) carry the
-- same id as the worker's and the wait endpoint's: one trace end to end.

ALTER TABLE generation_jobs ADD COLUMN request_id text;
