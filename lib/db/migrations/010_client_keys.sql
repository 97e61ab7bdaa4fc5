-- 010_client_keys: client API keys, their per-minute use, and row-level
-- security scoping jobs, images, batches, prompt jobs and projects to the
-- project of the request.
--
-- The scope is the setting imagegen.project: a project id, '*' (every
-- project: the runner, admin keys, AUTH=off) or unset/'' (nothing). The
-- workers set it before every query of a request (lib/db/db.c), so a
-- query that forgets its project still sees only the key's rows.

CREATE TABLE api_keys (
	id		uuid PRIMARY KEY,
	prefix		text NOT NULL UNIQUE,		-- "igk_" + 8 hex: shown
	hash		char(64) NOT NULL UNIQUE,	-- sha256 of the whole key
	project_id	text NOT NULL,
	scopes		text[] NOT NULL
			CHECK (scopes <@ ARRAY['generate', 'read', 'admin']
			    AND cardinality(scopes) > 0),
	name		text NOT NULL DEFAULT '',
	rate_per_min	integer CHECK (rate_per_min >= 0),	-- NULL: default
	max_inflight	integer CHECK (max_inflight >= 0),	-- NULL: default
	created_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz
);

-- Requests of a key in a minute (shared by every worker and host).
CREATE TABLE api_key_usage (
	key_id		uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
	minute		timestamptz NOT NULL,
	n		integer NOT NULL,
	PRIMARY KEY (key_id, minute)
);

ALTER TABLE generation_jobs ADD COLUMN key_id uuid;
CREATE INDEX generation_jobs_key_live ON generation_jobs (key_id)
	WHERE status IN ('queued', 'running') AND key_id IS NOT NULL;
ALTER TABLE generation_batches ADD COLUMN project_id text NOT NULL
	DEFAULT 'default';
ALTER TABLE prompt_jobs ADD COLUMN project_id text NOT NULL
	DEFAULT 'default';

-- May the current scope see rows of project p?
CREATE FUNCTION imagegen_visible(p text) RETURNS boolean
	LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('imagegen.project', true), '') IN ('*', p) $$;

-- The project p of a new job, created when missing where projects.id is
-- text; a projects table of another id type (the seed's uuid) is never
-- written: an unknown id there is an error.
CREATE FUNCTION imagegen_project_ensure(p text) RETURNS text
	LANGUAGE plpgsql AS
$$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM projects WHERE id::text = p) THEN
		INSERT INTO projects (id, name) VALUES (p, p)
		    ON CONFLICT (id) DO NOTHING;
	END IF;
	RETURN p;
END
$$;

CREATE POLICY project_scope ON generation_jobs
	USING (imagegen_visible(project_id)) WITH CHECK (imagegen_visible(project_id));
CREATE POLICY project_scope ON images
	USING (imagegen_visible(project_id)) WITH CHECK (imagegen_visible(project_id));
CREATE POLICY project_scope ON generation_batches
	USING (imagegen_visible(project_id)) WITH CHECK (imagegen_visible(project_id));
CREATE POLICY project_scope ON prompt_jobs
	USING (imagegen_visible(project_id)) WITH CHECK (imagegen_visible(project_id));
CREATE POLICY project_scope ON projects
	USING (imagegen_visible(id::text)) WITH CHECK (imagegen_visible(id::text));

-- Forced: the service's role owns these tables, and owners bypass
-- policies unless forced.
ALTER TABLE generation_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE generation_jobs FORCE ROW LEVEL SECURITY;
ALTER TABLE images ENABLE ROW LEVEL SECURITY;
ALTER TABLE images FORCE ROW LEVEL SECURITY;
ALTER TABLE generation_batches ENABLE ROW LEVEL SECURITY;
ALTER TABLE generation_batches FORCE ROW LEVEL SECURITY;
ALTER TABLE prompt_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE prompt_jobs FORCE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
