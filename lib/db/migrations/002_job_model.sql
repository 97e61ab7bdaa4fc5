-- 002_job_model: the model a provider actually used, and the warning a
-- job carries (e.g. stored while the database was down).
ALTER TABLE generation_jobs ADD COLUMN provider_model text;
ALTER TABLE generation_jobs ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';
