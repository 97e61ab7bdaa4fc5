-- 007_provider_places: a provider's max_concurrent held across every
-- runner on every host. A place is a row (provider, job); it counts while
-- its job runs under a live lease, so a dead runner's places come back
-- by themselves once its leases lapse. Taking one is one call that
-- serializes the takers of that provider (an advisory lock for the
-- transaction) before it counts and inserts.
CREATE TABLE provider_places (
	provider	text NOT NULL,
	job_id		uuid NOT NULL REFERENCES generation_jobs (id)
			ON DELETE CASCADE,
	taken_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (provider, job_id)
);

CREATE FUNCTION imagegen_place_take(prov text, job uuid, cap integer)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(hashtext('imagegen_place:' || prov));
	IF (SELECT count(*) FROM provider_places pp
	    JOIN generation_jobs j ON j.id = pp.job_id
	    WHERE pp.provider = prov AND pp.job_id <> job
	    AND j.status = 'running' AND j.lease_until > now()) >= cap THEN
		RETURN false;
	END IF;
	INSERT INTO provider_places (provider, job_id) VALUES (prov, job)
	    ON CONFLICT (provider, job_id) DO UPDATE SET taken_at = now();
	RETURN true;
END
$$;
