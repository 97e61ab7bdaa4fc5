-- 001_init: the four tables of DESIGN.md and their indexes, plus the
-- default project and one provider_configs row per provider.
-- A database that already has a projects table (the seed's, on Supabase:
-- id uuid) keeps it: jobs and images then hold its id as text, without a
-- foreign key (ids cannot be compared across types), and no default
-- project is added to it.

CREATE TABLE IF NOT EXISTS projects (
	id		text PRIMARY KEY
			CHECK (id ~ '^[a-z0-9-]{1,64}$'),
	name		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE generation_jobs (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	project_id		text NOT NULL,
	status			text NOT NULL DEFAULT 'pending'
				CHECK (status IN ('pending', 'running',
				    'completed', 'failed')),
	requested_provider	text,
	provider		text,
	prompt_original		text NOT NULL,
	prompt_final		text,
	prompt_meta		jsonb NOT NULL DEFAULT '{}',
	params			jsonb NOT NULL DEFAULT '{}',
	attempts		jsonb NOT NULL DEFAULT '[]',
	error			jsonb,
	optimize_ms		double precision,
	generate_ms		double precision,
	created_at		timestamptz NOT NULL DEFAULT now(),
	completed_at		timestamptz
);
CREATE INDEX generation_jobs_project_recent
	ON generation_jobs (project_id, created_at DESC, id DESC);
CREATE INDEX generation_jobs_provider_time
	ON generation_jobs (provider, created_at DESC);
CREATE INDEX generation_jobs_recent
	ON generation_jobs (created_at DESC, id DESC);

CREATE TABLE images (
	id			uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	job_id			uuid NOT NULL REFERENCES generation_jobs (id)
				ON DELETE CASCADE,
	project_id		text NOT NULL,
	provider		text NOT NULL,
	provider_image_id	text,
	source_url		text,
	local_path		text NOT NULL,
	width			integer NOT NULL CHECK (width > 0),
	height			integer NOT NULL CHECK (height > 0),
	format			text NOT NULL
				CHECK (format IN ('png', 'jpeg', 'webp')),
	bytes			bigint NOT NULL CHECK (bytes > 0),
	sha256			char(64) NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX images_job ON images (job_id);
CREATE INDEX images_project_recent ON images (project_id, created_at DESC);

CREATE TABLE provider_configs (
	provider	text PRIMARY KEY,
	enabled		boolean NOT NULL DEFAULT true,
	priority	integer NOT NULL DEFAULT 100,
	weight		integer NOT NULL DEFAULT 1 CHECK (weight >= 0),
	timeout_ms	integer NOT NULL DEFAULT 60000 CHECK (timeout_ms > 0),
	max_retries	integer NOT NULL DEFAULT 2 CHECK (max_retries >= 0),
	rate_per_min	integer NOT NULL DEFAULT 60 CHECK (rate_per_min >= 0),
	default_model	text,
	settings	jsonb NOT NULL DEFAULT '{}',
	updated_at	timestamptz NOT NULL DEFAULT now()
);

DO $$
BEGIN
	IF (SELECT atttypid FROM pg_attribute WHERE attrelid = 'projects'::regclass
	    AND attname = 'id') = 'text'::regtype THEN
		ALTER TABLE generation_jobs ADD CONSTRAINT
		    generation_jobs_project_id_fkey FOREIGN KEY (project_id)
		    REFERENCES projects (id);
		ALTER TABLE images ADD CONSTRAINT images_project_id_fkey
		    FOREIGN KEY (project_id) REFERENCES projects (id);
		INSERT INTO projects (id, name) VALUES ('default', 'Default project')
		    ON CONFLICT (id) DO NOTHING;
	END IF;
END $$;

INSERT INTO provider_configs (provider, priority, weight, default_model) VALUES
	('leonardo_ai', 10, 1, 'aa77f04e-3eec-4034-9c07-d0f619684628'),
	('runware_ai',  10, 1, 'runware:101@1'),
	('gemini',      20, 1, 'gemini-2.5-flash-image'),
	('comfyui',     30, 1, 'flux1-dev.safetensors');
