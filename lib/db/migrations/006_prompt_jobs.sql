-- 006_prompt_jobs: a POST /unified/validate-prompt that needs Ollama is a
-- job too: the worker checks and analyzes the prompt, queues what Ollama
-- must shorten, and a runner does it beside its generations. "answer" is
-- the endpoint's answer, its "optimized" filled in when the job ends.
CREATE TABLE prompt_jobs (
	id		uuid PRIMARY KEY,
	status		text NOT NULL DEFAULT 'queued'
			CHECK (status IN ('queued', 'running', 'completed',
			    'failed')),
	request		jsonb NOT NULL,
	answer		jsonb NOT NULL,
	runner		text,
	lease_until	timestamptz,
	deadline	timestamptz NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	completed_at	timestamptz
);
CREATE INDEX prompt_jobs_queue ON prompt_jobs (created_at)
	WHERE status IN ('queued', 'running');
