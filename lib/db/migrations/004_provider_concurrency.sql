-- 004_provider_concurrency: how many calls a provider may have in flight
-- at once, across all workers (NULL = no cap). Real providers cap
-- concurrent jobs per account; past the cap a generation waits for a
-- place (within its deadline) instead of collecting 429s.
ALTER TABLE provider_configs ADD COLUMN max_concurrent integer
	CHECK (max_concurrent > 0);
