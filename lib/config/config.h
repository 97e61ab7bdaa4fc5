/*
 * lib/config/config.h - struct config: every setting of imagegen, loaded
 * from .env then the environment (the environment wins), validated once.
 * Not here: parsing .env syntax (dotenv.c); using the settings.
 */
#ifndef CONFIG_CONFIG_H
#define CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/core/err.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG__MAX };

struct config {
	/* service */
	long		 workers;		/* 0 = 2 x cores */
	long		 max_requests;
	long		 graceful_timeout_s;
	long		 body_max_bytes;
	long		 log_level;		/* enum log_level */
	char		*log_file;		/* "" = standard error */
	char		*cors_origins;		/* comma list, "*" = any */
	char		*auth;			/* "on" | "off" (client keys) */
	char		*http_listen;		/* nginx's listen address */
	long		 key_rate_per_min;	/* per key unless set; 0 = none */
	long		 key_max_inflight;	/* per key unless set; 0 = none */
	char		*public_base_url;	/* "" = relative URLs */
	char		*storage_dir;
	char		*spool_dir;		/* job records while DB is down */
	long		 spool_max_bytes;	/* then 507 insufficient_storage */
	long		 spool_replay_tries;	/* then the record is poison */
	long		 retry_after_cap_s;	/* longest Retry-After honoured */
	/* database */
	char		*database_url;
	long		 db_connect_timeout_s;
	long		 db_statement_timeout_ms; /* server's; client waits +2 s */
	long		 db_keepalives_idle_s;	/* TCP keepalives (libpq) */
	long		 db_keepalives_interval_s;
	long		 db_keepalives_count;
	long		 db_tcp_user_timeout_ms; /* unacknowledged data */
	/* prompt */
	long		 prompt_max_chars;
	long		 prompt_optimize_above;
	long		 prompt_target_chars;
	char		*ollama_url;
	char		*ollama_model;
	long		 ollama_connect_ms;
	long		 ollama_timeout_ms;
	/* providers */
	char		*leonardo_api_key;
	char		*leonardo_base_url;
	char		*runware_api_key;
	char		*runware_base_url;
	char		*gemini_api_key;
	char		*gemini_base_url;
	char		*comfyui_url;
	char		*provider_allowed_hosts;	/* comma list */
	char		*leonardo_models;	/* comma lists: the models a */
	char		*runware_models;	/* request may name */
	char		*gemini_models;
	char		*comfyui_models;
	char		*sandbox_providers;	/* comma list, set by stack.sh */
	long		 provider_connect_ms;
	long		 provider_timeout_ms;
	long		 poll_interval_ms;
	long		 poll_timeout_s;
	long		 image_max_bytes;
	long		 generate_timeout_s;
	long		 batch_max;
	long		 circuit_failures;
	long		 circuit_cooldown_s;
	char		*circuit_file;		/* shared by master and runner */
	char		*metrics_file;		/* counters, shared the same way */
	char		*metrics_access;	/* GET /metrics: "loopback" |
						   "public" | "key" */
	/* runner */
	long		 runner_max_inflight;	/* generations at once */
	long		 runner_lease_s;	/* a claimed job's lease */
	char		*runner_wait_listen;	/* host:port, "" = no waits */
	long		 runner_grace_s;	/* SIGTERM: finish in-flight */
	/* webhooks */
	char		*webhook_secret;	/* "whsec_...", "" = off */
	char		*webhook_allow_private;	/* hosts/IPs allowed anyway */
	long		 webhook_tries;
	long		 webhook_retry_ms;	/* first back-off, doubling */
	long		 webhook_timeout_ms;
	/* set by cfg_load: "" or lines ("KEY (file line N): why") about
	 * the file's unknown or legacy keys, which were ignored */
	char		*warnings;
};

/*
 * Loads envfile (missing is fine) then the environment into cfg, which
 * the caller frees with cfg_fini(). On a malformed value anywhere,
 * returns ERR_INVALID_FIELD with a message naming the key and the rule in
 * why. An unknown key in the file (SUPABASE_URL of the seed's .env) is
 * ignored with a line in cfg->warnings, which callers log.
 */
enum err	cfg_load(struct config *cfg, const char *envfile,
		    char *why, size_t whylen);
/* Defaults only (no file, no environment): for tests. */
enum err	cfg_defaults(struct config *cfg);
void		cfg_fini(struct config *cfg);
/* Text of setting name into buf; *secret says it is an API key.
 * ERR_NOT_FOUND for an unknown name. */
enum err	cfg_text_get(const struct config *cfg, const char *name,
		    char *buf, size_t len, bool *secret);
/* Effective worker count (resolves workers = 0 to 2 x online cores). */
long		cfg_workers(const struct config *cfg);
/* NULL-terminated list of secret values (API keys) set in cfg, borrowed. */
size_t		cfg_secrets(const struct config *cfg, const char **out,
		    size_t max);
/* Name of a log level ("info"), or NULL. */
const char	*cfg_level_name(long level);
/* Are client keys required (AUTH is not "off")? */
bool		 cfg_auth_on(const struct config *cfg);
/* Is an nginx listen address ("127.0.0.1:8003", "[::1]:80") loopback? */
bool		 cfg_listen_loopback(const char *listen);

#endif
