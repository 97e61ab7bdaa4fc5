-- 012_images_deleted: when a job's images were removed (DELETE of a
-- finished job, `imagegen storage prune`): the job row stays (history,
-- statistics) and says its images are gone on purpose, unlike a row
-- whose file disappeared (`imagegen storage orphans`).
ALTER TABLE generation_jobs ADD COLUMN images_deleted_at timestamptz;
