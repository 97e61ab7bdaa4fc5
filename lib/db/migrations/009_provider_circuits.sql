-- 009_provider_circuits: a circuit that one host opened, seen by every
-- host: until open_until, runners elsewhere open theirs too.
CREATE TABLE provider_circuits (
	provider	text PRIMARY KEY,
	open_until	timestamptz NOT NULL,
	updated_at	timestamptz NOT NULL DEFAULT now()
);
