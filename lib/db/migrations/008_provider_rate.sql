-- 008_provider_rate: a provider's rate_per_min counted across every
-- runner on every host: one row per provider and minute, incremented
-- while under the limit (the row lock serializes the takers).
CREATE TABLE provider_rate (
	provider	text NOT NULL,
	minute		timestamptz NOT NULL,
	used		integer NOT NULL,
	PRIMARY KEY (provider, minute)
);
