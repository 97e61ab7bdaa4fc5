-- 003_provider_timeout: a provider's per-call time-out is optional; NULL
-- means "use PROVIDER_TIMEOUT_MS" so the environment sets the default and
-- a row only overrides it on purpose. Rows still at the old seeded 60000
-- follow the environment from now on.
ALTER TABLE provider_configs ALTER COLUMN timeout_ms DROP NOT NULL;
ALTER TABLE provider_configs ALTER COLUMN timeout_ms SET DEFAULT NULL;
UPDATE provider_configs SET timeout_ms = NULL WHERE timeout_ms = 60000;
