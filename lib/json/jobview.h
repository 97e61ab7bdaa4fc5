/*
 * lib/json/jobview.h - the public JSON of a generation job (the standard
 * response shape) from its record (lib/db/jobs.h): generation_id,
 * provider, status, prompt, images[{id,url,local_url,width,height,format,
 * bytes,sha256}], metadata{prompt_validation, generation_time,
 * provider_model, attempts, params}, error, warnings, times, and
 * images_deleted_at when its images were removed (absent otherwise).
 * Not here: the record itself (engine, lib/db/jobs.c).
 */
#ifndef JSON_JOBVIEW_H
#define JSON_JOBVIEW_H

#include <jansson.h>

/*
 * New reference to the public view of record (borrowed). Image urls are
 * public_base + "/storage/" + local_path when public_base is set, else
 * the same as local_url ("/storage/..."). NULL on OOM.
 */
json_t	*jobview_render(const json_t *record, const char *public_base);

#endif
