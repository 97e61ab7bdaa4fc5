/*
 * lib/gen/answer.h - what a client gets for a finished job or batch: the
 * status, the JSON body and Retry-After, the same whether a worker, the
 * wait endpoint or GET /unified/jobs/{id} answers.
 * Not here: HTTP framing (app/), the record (record.c).
 */
#ifndef GEN_ANSWER_H
#define GEN_ANSWER_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/db/db.h"

struct gen_answer {
	int		 status;
	json_t		*body;		/* owned */
	long		 retry_after_s;	/* -1 when none */
};

/*
 * The answer for record r (borrowed) once it is final: 200 and the job
 * view when completed; else the error's status and {"error":{"code",
 * "message","request_id"?,"generation_id","attempts"}}. reqid may be
 * NULL. False while r is not final (a is left empty). A job of POST
 * /v1/images/generations gets OpenAI's shape instead (lib/gen/oai.c;
 * its b64_json images are read from storage_dir). Free with
 * gen_answer_fini().
 */
bool	gen_answer_job(const json_t *r, const char *public_base,
	    const char *storage_dir, const char *reqid, struct gen_answer *a);
/* 504 {"error":{"code":"timeout",...,"generation_id"}}: the wait ended
 * before job id did (it goes on; Location says where to look). */
void	gen_answer_pending(const char *id, const char *reqid,
	    struct gen_answer *a);
/* Item i of a batch: {"index","status","result"} or {"index","status",
 * "error",("retry_after")} for the final record r. */
json_t	*gen_answer_item(size_t i, const json_t *r, const char *public_base);
/* The answer of prompt job pj ({"id","status","answer"}, borrowed): 200
 * and its answer once completed, 504 timeout when it failed; false while
 * it runs. */
bool	gen_answer_prompt(const json_t *pj, const char *reqid,
	    struct gen_answer *a);
void	gen_answer_fini(struct gen_answer *a);
/*
 * A batch ({"id","items","age_ms"} from db_batch_get()) as its client
 * sees it: {"batch_id","count","succeeded","failed","batch_time",
 * "items"}, each item its answer, or {"index","job_id","state"} while
 * its job runs (*all_final false then; all_final may be NULL).
 */
json_t	*gen_answer_batch(struct db *db, const json_t *b,
	    const char *public_base, bool *all_final);

#endif
