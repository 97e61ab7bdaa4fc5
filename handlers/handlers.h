/*
 * handlers/handlers.h - one prototype per endpoint handler.
 * Each returns ERR_OK after filling res, or an error recorded with
 * req_fail() (the worker renders the JSON error body).
 * Not here: routing (app/routes.c).
 */
#ifndef HANDLERS_HANDLERS_H
#define HANDLERS_HANDLERS_H

#include "app/request.h"

/* GET /health: 200 ok, 503 degraded (database down). */
enum err	handle_health(struct request *req, struct response *res);
/* POST /unified/validate-prompt: rules, analysis, optimized prompt. */
enum err	handle_validate_prompt(struct request *req, struct response *res);
/* GET /unified/prompt-validator/health: Ollama status; always 200. */
enum err	handle_prompt_health(struct request *req, struct response *res);
/* POST /unified/generate: one generation, selection and fallback. */
enum err	handle_generate(struct request *req, struct response *res);
/* POST /unified/generate/quick: {"prompt", "provider"?} with defaults. */
enum err	handle_generate_quick(struct request *req, struct response *res);
/* POST /unified/generate/batch: up to BATCH_MAX generations at once;
 * 200 with each item's own result or error. */
enum err	handle_generate_batch(struct request *req, struct response *res);
/* GET /unified/providers: configuration, reachability, circuit, limits. */
enum err	handle_providers(struct request *req, struct response *res);
/* GET /unified/jobs: history with filters and keyset pages. */
enum err	handle_jobs(struct request *req, struct response *res);
/* GET /unified/jobs/{id}: one job; 404 when unknown. */
enum err	handle_job_get(struct request *req, struct response *res);
enum err	handle_job_cancel(struct request *req, struct response *res);
enum err	handle_batch_get(struct request *req, struct response *res);
enum err	handle_prompt_job_get(struct request *req, struct response *res);
/* GET /metrics: Prometheus text; 200, 401/403 per METRICS_ACCESS. */
enum err	handle_metrics(struct request *req, struct response *res);
/* GET /unified/stats: per-provider figures over a window. */
enum err	handle_stats(struct request *req, struct response *res);
/* POST /v1/images/generations: OpenAI's images API, OpenAI's shapes. */
enum err	handle_openai_images(struct request *req, struct response *res);

#endif
