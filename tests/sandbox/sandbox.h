/*
 * tests/sandbox/sandbox.h - the offline stand-in for every external API
 * (shared/providers/NAME.md): one port per protocol, runtime faults, a log
 * of the requests it got, real images of the requested size.
 * Not here: anything imagegen itself runs (this is a test tool).
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum sb_kind { SB_LEONARDO, SB_RUNWARE, SB_GEMINI, SB_COMFYUI, SB_OLLAMA,
    SB__MAX };

/* Leonardo's keys are UUIDs (a key that is not one is a 500 there). */
#define SB_LEONARDO_KEY	"5b1d7c3e-2f4a-4e6b-9c8d-0a1b2c3d4e5f"
#define SB_LOG_MAX	20000
#define SB_JOBS_MAX	512

/* Faults set through POST /__sandbox/faults (see faults.c). */
struct sb_faults {
	long	latency_ms;
	int	status;
	int	retry_after;
	bool	malformed;
	bool	truncate_image;
	bool	oversize_image;
	bool	hang;
	bool	wrong_auth;
	bool	missing_model;
	bool	nonsense;
	long	think_tokens;		/* Ollama: reasoning costs this many
					   tokens at any level (0 = by level) */
	int	pending_polls;		/* default 1 */
	int	count;			/* 0 = until reset */
	char	path[128];		/* only paths containing it */
	char	image_url[512];		/* Leonardo/Runware answer this image
					   URL instead of their own */
	char	finish_reason[32];	/* Gemini answers no image with this
					   finishReason (IMAGE_RECITATION) */
	char	key[128];		/* Leonardo reads this key instead of
					   the one sent (a misconfigured one) */
	char	node_errors[16];	/* ComfyUI queues with node_errors for
					   this node id (its output not run) */
	bool	no_outputs;		/* ComfyUI finishes without outputs */
	char	body[1024];		/* answered as is (JSON), with status
					   or 200, instead of the protocol */
};

/* An async job (Leonardo generation, ComfyUI prompt). */
struct sb_job {
	char		id[40];
	int		width, height, n;
	uint64_t	hash;
	long long	seed;
	int		polls_left;
	bool		jpeg;
	bool		used;
	char		node[16];	/* ComfyUI SaveImage node id */
};

struct sb_port {
	enum sb_kind		 kind;
	int			 port;
	const char		*key;		/* expected API key */
	pthread_mutex_t		 lock;
	struct sb_faults	 faults;
	json_t			*log;		/* array, newest last */
	json_int_t		 log_seq;	/* the last entry's "seq": never
						   reset, so a test compares
						   numbers, not log sizes */
	struct sb_job		 jobs[SB_JOBS_MAX];
	unsigned		 next_job;
	unsigned		 fault_resets;	/* DELETE /__sandbox/faults
						   (ends hangs) */
	int			 in_flight;	/* protocol requests now */
	int			 max_in_flight;	/* since the last reset */
};

struct sb_req {
	const char	*method;
	const char	*path;
	const char	*query;		/* "a=1&b=2" or "" */
	const char	*auth;		/* Authorization header or NULL */
	const char	*goog_key;	/* x-goog-api-key header or ?key= */
	const char	*wh_id;		/* webhook-id, -timestamp, -signature */
	const char	*wh_ts;
	const char	*wh_sig;
	const char	*body;
	size_t		 len;
	json_t		*json;		/* parsed body or NULL */
	const char	*(*arg)(void *, const char *);	/* query value */
	void		*conn;
};

struct sb_resp {
	int		 status;
	char		*body;		/* malloc'd */
	size_t		 len;
	const char	*ctype;
	int		 retry_after;	/* 0 = none */
	char		 location[512];	/* a redirect's, "" = none */
};

/* Answers: JSON (takes the reference), raw bytes (taken). */
void	sb_json(struct sb_resp *rs, int status, json_t *body);
void	sb_bytes(struct sb_resp *rs, int status, const char *ctype,
	    unsigned char *data, size_t len);
/* The port's fault snapshot for this request (count consumed). */
bool	sb_fault_take(struct sb_port *p, const char *path,
	    struct sb_faults *out);
/* POST/GET/DELETE /__sandbox/... */
void	sb_control(struct sb_port *p, const struct sb_req *rq,
	    struct sb_resp *rs);
void	sb_log_request(struct sb_port *p, const struct sb_req *rq);

/* Deterministic images. */
uint64_t	 sb_hash(const char *s, long long seed);
unsigned char	*sb_png(int w, int h, uint64_t hash, int n, size_t *len);
unsigned char	*sb_jpeg(int w, int h, uint64_t hash, int n, size_t *len);
char		*sb_base64(const unsigned char *d, size_t n);
/* Serves GET /img/{w}x{h}/{hex}/{n}.{png|jpg}, with image faults. */
bool	sb_image_route(const struct sb_req *rq, const struct sb_faults *f,
	    struct sb_resp *rs);
/* New job slot (locked by caller). */
struct sb_job	*sb_job_new(struct sb_port *p);
struct sb_job	*sb_job_find(struct sb_port *p, const char *id);
void		 sb_uuid(char out[37]);

/* The protocols. */
void	sb_leonardo(struct sb_port *p, const struct sb_req *rq,
	    const struct sb_faults *f, struct sb_resp *rs);
void	sb_runware(struct sb_port *p, const struct sb_req *rq,
	    const struct sb_faults *f, struct sb_resp *rs);
void	sb_gemini(struct sb_port *p, const struct sb_req *rq,
	    const struct sb_faults *f, struct sb_resp *rs);
void	sb_comfyui(struct sb_port *p, const struct sb_req *rq,
	    const struct sb_faults *f, struct sb_resp *rs);
void	sb_ollama(struct sb_port *p, const struct sb_req *rq,
	    const struct sb_faults *f, struct sb_resp *rs);
/* The protocol's own error body for status and message. */
json_t	*sb_error_body(enum sb_kind k, int status, const char *msg);
/* Gemini's 400 API_KEY_INVALID body (ErrorInfo detail). */
json_t	*sb_gemini_key_invalid(void);

#endif
