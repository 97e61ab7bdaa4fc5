/*
 * lib/gen/record.h - the job record (its keys are listed in
 * lib/db/jobs.h): the one place that creates it and names its states.
 * Not here: filling attempts and images (engine.c), SQL (lib/db).
 */
#ifndef GEN_RECORD_H
#define GEN_RECORD_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/gen/genreq.h"

/* A job's life: queued -> running -> completed | failed | cancelled
 * ("pending": a record written by a release before the queue). */
enum job_status {
	JOB_QUEUED = 0,
	JOB_RUNNING,
	JOB_COMPLETED,
	JOB_FAILED,
	JOB_CANCELLED,
	JOB_PENDING,
	JOB_STATUS__MAX
};

/* The prompt as the job got it. final NULL: the runner optimizes it. */
struct record_prompt {
	const char	*original;
	const char	*final;
	json_t		*meta;		/* borrowed: validation + analysis */
	double		 optimize_ms;
};

/* "queued", "running", ...; NULL out of range. */
const char	*record_status_name(enum job_status st);
/* The status of record r (JOB_STATUS__MAX when unknown). */
enum job_status	 record_status(const json_t *r);
void		 record_status_set(json_t *r, enum job_status st);
/* A new record (new reference, NULL on OOM) with a new UUID: request g,
 * prompt p (borrowed), status st, created now, no attempts nor images. */
json_t		*record_new(const struct genreq *g,
		    const struct record_prompt *p, enum job_status st);
/* The request of record r back into g (strings borrowed from r).
 * ERR_INVALID_FIELD when r holds no usable request. */
enum err	 record_genreq(const json_t *r, struct genreq *g);

#endif
