/*
 * lib/providers/provider.h - the provider interface: one struct provider
 * per AI service (registry.c lists them), each a small state machine of
 * HTTP steps so that run.c can drive one blocking (health checks) and
 * engine.c many at once over curl multi (every generation and batch).
 * Not here: retries, fallback, circuit state (engine.c, circuit.c);
 * downloading and storing images (lib/storage); the database.
 */
#ifndef PROVIDERS_PROVIDER_H
#define PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "lib/config/config.h"
#include "lib/core/err.h"

#define PROV_MAX_IMAGES		8
#define PROV_MAX_HEADERS	6

/* Capability flags: a request needing one a provider lacks never goes there. */
enum prov_cap {
	PROV_NEGATIVE_PROMPT	= 1 << 0,
	PROV_SEED		= 1 << 1,
	PROV_MULTI_IMAGE	= 1 << 2,	/* several images in one call */
	PROV_CUSTOM_SIZE	= 1 << 3,	/* arbitrary width x height */
	PROV_ASPECT_RATIO	= 1 << 4,	/* a fixed list of ratios */
	PROV_STYLE		= 1 << 5,
};

/* Limits enforced before any call; the engine skips what cannot fit. */
struct prov_limits {
	long		 max_prompt_chars;
	int		 min_side, max_side;	/* pixels */
	int		 size_multiple;		/* 8, 64, ... (1 = any) */
	int		 max_images;		/* per request */
	int64_t		 min_seed;		/* smallest seed it takes (0) */
};

/* The common parameters, already validated by the handler. */
struct gen_params {
	const char	*prompt;		/* final (optimized) prompt */
	const char	*negative_prompt;	/* NULL = none */
	int		 width, height;		/* 0 = provider default */
	const char	*aspect_ratio;		/* NULL or "16:9" */
	int		 num_images;		/* >= 1 */
	bool		 has_seed;
	int64_t		 seed;
	const char	*model;			/* NULL = provider default */
	const char	*style;			/* NULL = none */
};

/* One image a provider produced: a URL to fetch, or the bytes. */
struct gen_image {
	char		*url;			/* malloc'd or NULL */
	unsigned char	*data;			/* malloc'd or NULL */
	size_t		 len;
	char		*provider_image_id;	/* malloc'd or NULL */
	int		 nsfw;			/* provider's flag: 1, 0, -1 none */
	bool		 synthid;		/* carries a SynthID watermark */
};

/* What a job produced; freed with gen_output_fini(). */
struct gen_output {
	struct gen_image images[PROV_MAX_IMAGES];
	size_t		 nimages;
	char		*provider_job_id;	/* malloc'd or NULL */
	char		*model;			/* malloc'd: model actually used */
	json_t		*meta;			/* object: provider notes (owned) */
	/* On failure: */
	char		 error[512];		/* what the provider said */
	long		 http_status;		/* last HTTP status, 0 if none */
	long		 retry_after_s;		/* from 429/503, -1 if none */
};

/* Tuning from provider_configs.settings; 0 = the provider's default. */
struct prov_settings {
	int		 steps;			/* sampling steps */
	double		 guidance;		/* CFG / guidance scale */
	const char	*styles;		/* "ours=theirs,..." or NULL */
};

/* The slice of configuration and runtime a provider sees. */
struct prov_ctx {
	const char	*base_url;		/* no trailing slash */
	const char	*api_key;		/* NULL/"" when none */
	const char	*default_model;
	const char	*models;		/* comma list a request may name */
	const char	*allowed_models;	/* narrows models; NULL = no */
	struct prov_settings settings;
	long		 poll_interval_ms;
	long		 poll_timeout_ms;	/* for async providers */
	long		 timeout_ms;		/* per HTTP call */
};

/* A request the provider wants sent next; owned by the job. */
struct prov_request {
	const char	*method;		/* "GET" / "POST" */
	char		*url;			/* malloc'd */
	char		*body;			/* malloc'd or NULL */
	size_t		 body_len;
	char		*headers[PROV_MAX_HEADERS + 1];	/* malloc'd, NULL-ended */
	long		 delay_ms;		/* wait before sending (polls) */
};

/* The answer to that request, as the driver got it. */
struct prov_reply {
	long		 status;		/* HTTP status */
	const char	*body;			/* NUL-terminated, borrowed */
	size_t		 len;
	long		 retry_after_s;		/* -1 when absent */
};

enum prov_next {
	PROV_NEXT_REQUEST = 0,	/* send job->req (after its delay), then step */
	PROV_NEXT_DONE,		/* job->out has the images */
	PROV_NEXT_FAIL		/* job->err says why, job->out->error details */
};

struct provider;

/* One generation on one provider. The driver owns it; prov_job_fini(). */
struct prov_job {
	const struct provider	*prov;
	const struct prov_ctx	*ctx;		/* borrowed */
	const struct gen_params	*params;	/* borrowed */
	struct gen_output	*out;		/* borrowed */
	struct prov_request	 req;		/* the next request */
	enum err		 err;		/* set with PROV_NEXT_FAIL */
	int			 step;		/* provider-defined */
	int			 polls;
	int64_t			 started_ms;	/* monotonic */
	char			 remote_id[128];	/* generationId, prompt_id */
	void			*state;		/* provider-owned */
};

struct provider {
	const char		*name;		/* "leonardo_ai", ... */
	const char		*label;		/* "Leonardo AI" */
	unsigned		 caps;		/* enum prov_cap bits */
	struct prov_limits	 limits;
	const char		*default_model;
	/* Why the provider cannot be used with cfg ("LEONARDO_API_KEY is
	 * not set"), or NULL when it is configured. */
	const char		*(*unconfigured)(const struct config *cfg);
	/* Fills ctx from cfg (base URL, key, timeouts). */
	void			 (*ctx_init)(const struct config *cfg,
				    struct prov_ctx *ctx);
	/* Maps job->params to the first request (PROV_NEXT_REQUEST), or
	 * fails at once (ERR_PROVIDER_INVALID for what cannot be mapped). */
	enum prov_next		 (*begin)(struct prov_job *job);
	/* Consumes the reply to job->req; asks for another request, is done,
	 * or fails with job->err from the common error set. */
	enum prov_next		 (*step)(struct prov_job *job,
				    const struct prov_reply *reply);
	/* Polls the job job->remote_id that an earlier runner started (it
	 * left it running): the first poll request, as step() would ask for
	 * it. NULL for providers that answer in one call (nothing to resume). */
	enum prov_next		 (*resume)(struct prov_job *job);
	/* The cheap health request (into job->req), and its verdict. */
	void			 (*health_begin)(struct prov_job *job);
	enum err		 (*health_check)(const struct prov_reply *r);
	/* Frees job->state. */
	void			 (*fini)(struct prov_job *job);
};

/* Zeroes out (retry_after_s = -1, meta = {}). */
void		gen_output_init(struct gen_output *out);
void		gen_output_fini(struct gen_output *out);
/* Frees and clears job->req. */
void		prov_request_clear(struct prov_request *req);
void		prov_job_init(struct prov_job *job, const struct provider *p,
		    const struct prov_ctx *ctx, const struct gen_params *params,
		    struct gen_output *out);
void		prov_job_fini(struct prov_job *job);

#endif
