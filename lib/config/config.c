/*
 * lib/config/config.c - the settings table and its validation.
 * Not here: .env syntax (dotenv.c), acting on settings.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/config/config.h"
#include "lib/config/dotenv.h"
#include "lib/core/util.h"

enum cfg_type { CFG_INT, CFG_STR, CFG_URL, CFG_LEVEL, CFG_SECRET };

struct cfg_key {
	const char	*name;
	enum cfg_type	 type;
	size_t		 off;
	const char	*def;
	long		 min, max;
};

#define F(field)	offsetof(struct config, field)
#define KB		1024L
#define MB		(1024L * 1024L)

/* Every setting: environment name, type, field, default, range (ints). */
static const struct cfg_key cfg_keys[] = {
	{ "WORKERS",		   CFG_INT,    F(workers),		"0",	0, 256 },
	{ "MAX_REQUESTS",	   CFG_INT,    F(max_requests),		"10000", 1, 100000000 },
	{ "GRACEFUL_TIMEOUT_S",	   CFG_INT,    F(graceful_timeout_s),	"30",	1, 3600 },
	{ "BODY_MAX_BYTES",	   CFG_INT,    F(body_max_bytes),	"1048576", 1024, 64 * MB },
	{ "LOG_LEVEL",		   CFG_LEVEL,  F(log_level),		"info",	0, 0 },
	{ "LOG_FILE",		   CFG_STR,    F(log_file),		"",	0, 0 },
	{ "CORS_ORIGINS",	   CFG_STR,    F(cors_origins),		"",	0, 0 },
	{ "AUTH",		   CFG_STR,    F(auth),			"on",	0, 0 },
	{ "HTTP_LISTEN",	   CFG_STR,    F(http_listen),		"127.0.0.1:8003", 0, 0 },
	{ "KEY_RATE_PER_MIN",	   CFG_INT,    F(key_rate_per_min),	"600",	0, 10000000 },
	{ "KEY_MAX_INFLIGHT",	   CFG_INT,    F(key_max_inflight),	"64",	0, 1000000 },
	{ "PUBLIC_BASE_URL",	   CFG_STR,    F(public_base_url),	"",	0, 0 },
	{ "STORAGE_DIR",	   CFG_STR,    F(storage_dir),		"storage", 0, 0 },
	{ "SPOOL_DIR",		   CFG_STR,    F(spool_dir),		"var/spool", 0, 0 },
	{ "SPOOL_MAX_BYTES",	   CFG_INT,    F(spool_max_bytes),	"268435456", 4 * KB, 1024 * 1024 * MB },
	{ "SPOOL_REPLAY_TRIES",	   CFG_INT,    F(spool_replay_tries),	"5",	1, 1000 },
	{ "RETRY_AFTER_CAP_S",	   CFG_INT,    F(retry_after_cap_s),	"10",	0, 600 },
	{ "DATABASE_URL",	   CFG_SECRET, F(database_url),		"postgresql:///imagegen", 0, 0 },
	{ "DB_CONNECT_TIMEOUT_S",  CFG_INT,    F(db_connect_timeout_s),	"2",	1, 60 },
	{ "DB_STATEMENT_TIMEOUT_MS", CFG_INT,  F(db_statement_timeout_ms), "30000", 100, 3600000 },
	{ "DB_KEEPALIVES_IDLE_S",  CFG_INT,    F(db_keepalives_idle_s),	"30",	1, 3600 },
	{ "DB_KEEPALIVES_INTERVAL_S", CFG_INT, F(db_keepalives_interval_s), "10", 1, 600 },
	{ "DB_KEEPALIVES_COUNT",   CFG_INT,    F(db_keepalives_count),	"3",	1, 100 },
	{ "DB_TCP_USER_TIMEOUT_MS", CFG_INT,   F(db_tcp_user_timeout_ms), "30000", 1000, 3600000 },
	{ "PROMPT_MAX_CHARS",	   CFG_INT,    F(prompt_max_chars),	"10000", 1, 1000000 },
	{ "PROMPT_OPTIMIZE_ABOVE", CFG_INT,    F(prompt_optimize_above), "3000", 1, 1000000 },
	{ "PROMPT_TARGET_CHARS",   CFG_INT,    F(prompt_target_chars),	"3000",	1, 1000000 },
	{ "OLLAMA_URL",		   CFG_URL,    F(ollama_url),		"http://localhost:11434", 0, 0 },
	{ "OLLAMA_MODEL",	   CFG_STR,    F(ollama_model),		"gpt-oss:20b", 0, 0 },
	{ "OLLAMA_CONNECT_MS",	   CFG_INT,    F(ollama_connect_ms),	"1000",	10, 60000 },
	{ "OLLAMA_TIMEOUT_MS",	   CFG_INT,    F(ollama_timeout_ms),	"120000", 50, 600000 },
	{ "LEONARDO_API_KEY",	   CFG_SECRET, F(leonardo_api_key),	"",	0, 0 },
	{ "LEONARDO_BASE_URL",	   CFG_URL,    F(leonardo_base_url),	"https://cloud.leonardo.ai/api/rest/v1", 0, 0 },
	{ "RUNWARE_API_KEY",	   CFG_SECRET, F(runware_api_key),	"",	0, 0 },
	{ "RUNWARE_BASE_URL",	   CFG_URL,    F(runware_base_url),	"https://api.runware.ai/v1", 0, 0 },
	{ "GEMINI_API_KEY",	   CFG_SECRET, F(gemini_api_key),	"",	0, 0 },
	{ "GEMINI_BASE_URL",	   CFG_URL,    F(gemini_base_url),	"https://generativelanguage.googleapis.com/v1beta", 0, 0 },
	{ "COMFYUI_URL",	   CFG_URL,    F(comfyui_url),		"http://127.0.0.1:8188", 0, 0 },
	{ "LEONARDO_MODELS",	   CFG_STR,    F(leonardo_models),	"aa77f04e-3eec-4034-9c07-d0f619684628", 0, 0 },
	{ "RUNWARE_MODELS",	   CFG_STR,    F(runware_models),	"runware:101@1,runware:100@1", 0, 0 },
	{ "GEMINI_MODELS",	   CFG_STR,    F(gemini_models),	"gemini-2.5-flash-image,gemini-2.5-flash-image-preview", 0, 0 },
	{ "COMFYUI_MODELS",	   CFG_STR,    F(comfyui_models),	"flux1-dev.safetensors", 0, 0 },
	{ "SANDBOX_PROVIDERS",	   CFG_STR,    F(sandbox_providers),	"",	0, 0 },
	{ "PROVIDER_ALLOWED_HOSTS", CFG_STR,   F(provider_allowed_hosts), "cdn.leonardo.ai,im.runware.ai", 0, 0 },
	{ "PROVIDER_CONNECT_MS",   CFG_INT,    F(provider_connect_ms),	"3000",	10, 60000 },
	{ "PROVIDER_TIMEOUT_MS",   CFG_INT,    F(provider_timeout_ms),	"60000", 50, 600000 },
	{ "POLL_INTERVAL_MS",	   CFG_INT,    F(poll_interval_ms),	"1500",	10, 60000 },
	{ "POLL_TIMEOUT_S",	   CFG_INT,    F(poll_timeout_s),	"120",	1, 3600 },
	{ "IMAGE_MAX_BYTES",	   CFG_INT,    F(image_max_bytes),	"33554432", KB, 512 * MB },
	{ "GENERATE_TIMEOUT_S",	   CFG_INT,    F(generate_timeout_s),	"180",	1, 3600 },
	{ "BATCH_MAX",		   CFG_INT,    F(batch_max),		"16",	1, 256 },
	{ "CIRCUIT_FAILURES",	   CFG_INT,    F(circuit_failures),	"5",	1, 1000 },
	{ "CIRCUIT_COOLDOWN_S",	   CFG_INT,    F(circuit_cooldown_s),	"30",	1, 86400 },
	{ "CIRCUIT_FILE",	   CFG_STR,    F(circuit_file),		"var/run/circuits", 0, 0 },
	{ "METRICS_FILE",	   CFG_STR,    F(metrics_file),		"var/run/metrics", 0, 0 },
	{ "METRICS_ACCESS",	   CFG_STR,    F(metrics_access),	"loopback", 0, 0 },
	{ "RUNNER_MAX_INFLIGHT",   CFG_INT,    F(runner_max_inflight),	"1024",	1, 100000 },
	{ "RUNNER_LEASE_S",	   CFG_INT,    F(runner_lease_s),	"30",	2, 3600 },
	{ "RUNNER_WAIT_LISTEN",	   CFG_STR,    F(runner_wait_listen),	"127.0.0.1:8004", 0, 0 },
	{ "RUNNER_GRACE_S",	   CFG_INT,    F(runner_grace_s),	"20",	0, 3600 },
	{ "WEBHOOK_SECRET",	   CFG_SECRET, F(webhook_secret),	"",	0, 0 },
	{ "WEBHOOK_ALLOW_PRIVATE", CFG_STR,    F(webhook_allow_private), "",	0, 0 },
	{ "WEBHOOK_TRIES",	   CFG_INT,    F(webhook_tries),	"8",	1, 100 },
	{ "WEBHOOK_RETRY_MS",	   CFG_INT,    F(webhook_retry_ms),	"2000",	10, 3600000 },
	{ "WEBHOOK_TIMEOUT_MS",	   CFG_INT,    F(webhook_timeout_ms),	"10000", 100, 120000 },
};

/* Keys of the service imagegen replaces, found in old .env files: each
 * is ignored with a warning that says why. */
static const struct {
	const char	*name;
	const char	*why;
} legacy_keys[] = {
	{ "SUPABASE_URL",	"a setting of the Supabase-based service "
	    "imagegen replaces (jobs live in DATABASE_URL)" },
	{ "SUPABASE_ANON_KEY",	"a setting of the Supabase-based service "
	    "imagegen replaces (jobs live in DATABASE_URL)" },
};

/* Log level names, indexed by enum log_level. */
static const char *const level_names[] = {
	[LOG_DEBUG] = "debug", [LOG_INFO] = "info",
	[LOG_WARN] = "warn",   [LOG_ERROR] = "error",
};
_Static_assert(NELEM(level_names) == LOG__MAX, "one name per level");

const char *
cfg_level_name(long level)
{
	return level >= 0 && level < LOG__MAX ? level_names[level] : NULL;
}

static const struct cfg_key *
key_find(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(cfg_keys); i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

static int
parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0 &&
	    !isspace((unsigned char)*s) ? 0 : -1;
}

static int
parse_level(const char *s, long *out)
{
	long i;

	for (i = 0; i < LOG__MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return *out = i, 0;
	return -1;
}

static int
url_ok(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Stores value v of key k into cfg; on a bad value fills why. */
static enum err
key_set(struct config *cfg, const struct cfg_key *k, const char *v,
    const char *src, char *why, size_t whylen)
{
	char *base = (char *)cfg + k->off, *dup;
	long n;

	switch (k->type) {
	case CFG_INT:
		if (parse_long(v, &n) || n < k->min || n > k->max) {
			snprintf(why, whylen, "%s (%s): \"%s\" must be an "
			    "integer from %ld to %ld", k->name, src, v,
			    k->min, k->max);
			return ERR_INVALID_FIELD;
		}
		*(long *)base = n;
		return ERR_OK;
	case CFG_LEVEL:
		if (parse_level(v, &n)) {
			snprintf(why, whylen, "%s (%s): \"%s\" must be one of "
			    "debug, info, warn, error", k->name, src, v);
			return ERR_INVALID_FIELD;
		}
		*(long *)base = n;
		return ERR_OK;
	case CFG_URL:
		if (!url_ok(v)) {
			snprintf(why, whylen, "%s (%s): \"%s\" must start with "
			    "http:// or https://", k->name, src, v);
			return ERR_INVALID_FIELD;
		}
		/* FALLTHROUGH */
	case CFG_STR:
	case CFG_SECRET:
		if ((dup = strdup(v)) == NULL)
			return ERR_NOMEM;
		free(*(char **)base);
		*(char **)base = dup;
		return ERR_OK;
	}
	IMPOSSIBLE("config key type");
}

bool
cfg_auth_on(const struct config *cfg)
{
	return strcmp(cfg->auth, "off") != 0;
}

bool
cfg_listen_loopback(const char *listen)
{
	static const char *const loop[] = { "127.", "[::1]:", "localhost:",
	    "unix:" };
	size_t i;

	for (i = 0; i < NELEM(loop); i++)
		if (strncmp(listen, loop[i], strlen(loop[i])) == 0)
			return true;
	return false;
}

static enum err
cfg_cross_check(const struct config *cfg, char *why, size_t whylen)
{
	if (cfg->prompt_optimize_above > cfg->prompt_max_chars) {
		snprintf(why, whylen, "PROMPT_OPTIMIZE_ABOVE (%ld) must not "
		    "exceed PROMPT_MAX_CHARS (%ld)", cfg->prompt_optimize_above,
		    cfg->prompt_max_chars);
		return ERR_INVALID_FIELD;
	}
	if (cfg->prompt_target_chars > cfg->prompt_optimize_above) {
		snprintf(why, whylen, "PROMPT_TARGET_CHARS (%ld) must not "
		    "exceed PROMPT_OPTIMIZE_ABOVE (%ld)",
		    cfg->prompt_target_chars, cfg->prompt_optimize_above);
		return ERR_INVALID_FIELD;
	}
	if (strcmp(cfg->auth, "on") != 0 && strcmp(cfg->auth, "off") != 0) {
		snprintf(why, whylen, "AUTH: \"%s\" must be on or off",
		    cfg->auth);
		return ERR_INVALID_FIELD;
	}
	if (strcmp(cfg->metrics_access, "loopback") != 0 &&
	    strcmp(cfg->metrics_access, "public") != 0 &&
	    strcmp(cfg->metrics_access, "key") != 0) {
		snprintf(why, whylen, "METRICS_ACCESS: \"%s\" must be "
		    "loopback, public or key", cfg->metrics_access);
		return ERR_INVALID_FIELD;
	}
	if (!cfg_auth_on(cfg) && !cfg_listen_loopback(cfg->http_listen)) {
		snprintf(why, whylen, "AUTH=off needs nginx on a loopback "
		    "address, but HTTP_LISTEN is \"%s\": set AUTH=on and make "
		    "keys (imagegen keys create)", cfg->http_listen);
		return ERR_INVALID_FIELD;
	}
	if (cfg->public_base_url[0] != '\0' && !url_ok(cfg->public_base_url)) {
		snprintf(why, whylen, "PUBLIC_BASE_URL: \"%s\" must start "
		    "with http:// or https://", cfg->public_base_url);
		return ERR_INVALID_FIELD;
	}
	return ERR_OK;
}

enum err
cfg_defaults(struct config *cfg)
{
	char why[256];
	size_t i;
	enum err e;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NELEM(cfg_keys); i++)
		if ((e = key_set(cfg, &cfg_keys[i], cfg_keys[i].def,
		    "default", why, sizeof(why))) != ERR_OK) {
			cfg_fini(cfg);
			return e;
		}
	return ERR_OK;
}

/* Appends "KEY (src): why of an unknown or legacy key" (never its value)
 * as one line to cfg->warnings. */
static enum err
cfg_warn_key(struct config *cfg, const char *key, const char *src)
{
	const char *legacy = NULL, *was = cfg->warnings ? cfg->warnings : "";
	char *w;
	size_t i;

	for (i = 0; i < NELEM(legacy_keys); i++)
		if (strcmp(legacy_keys[i].name, key) == 0)
			legacy = legacy_keys[i].why;
	if (asprintf(&w, "%s%s%s (%s): %s, ignored", was, was[0] ? "\n" : "",
	    key, src, legacy ? legacy : "unknown setting") < 0)
		return ERR_NOMEM;
	free(cfg->warnings);
	cfg->warnings = w;
	return ERR_OK;
}

/* Applies every pair of the .env file; an unknown key is a warning. */
static enum err
cfg_apply_file(struct config *cfg, const struct dotenv *env,
    const char *path, char *why, size_t whylen)
{
	const struct cfg_key *k;
	char src[PATH_MAX + 32];
	size_t i;
	enum err e;

	for (i = 0; i < env->n; i++) {
		snprintf(src, sizeof(src), "%s line %d", path,
		    env->pairs[i].line);
		if ((k = key_find(env->pairs[i].key)) == NULL) {
			if ((e = cfg_warn_key(cfg, env->pairs[i].key, src)) !=
			    ERR_OK)
				return e;
			continue;
		}
		if ((e = key_set(cfg, k, env->pairs[i].value, src,
		    why, whylen)) != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static enum err
cfg_apply_environ(struct config *cfg, char *why, size_t whylen)
{
	const char *v;
	size_t i;
	enum err e;

	for (i = 0; i < NELEM(cfg_keys); i++) {
		if ((v = getenv(cfg_keys[i].name)) == NULL)
			continue;
		if ((e = key_set(cfg, &cfg_keys[i], v, "environment",
		    why, whylen)) != ERR_OK)
			return e;
	}
	return ERR_OK;
}

enum err
cfg_load(struct config *cfg, const char *envfile, char *why, size_t whylen)
{
	struct dotenv env = { NULL, 0 };
	enum err e;

	if ((e = cfg_defaults(cfg)) != ERR_OK ||
	    (cfg->warnings = strdup("")) == NULL) {
		snprintf(why, whylen, "out of memory");
		cfg_fini(cfg);
		return ERR_NOMEM;
	}
	if (envfile != NULL &&
	    (e = dotenv_load(envfile, &env, why, whylen)) != ERR_OK)
		goto out;
	if (envfile != NULL &&
	    (e = cfg_apply_file(cfg, &env, envfile, why, whylen)) != ERR_OK)
		goto out;
	if ((e = cfg_apply_environ(cfg, why, whylen)) != ERR_OK)
		goto out;
	e = cfg_cross_check(cfg, why, whylen);
out:
	dotenv_fini(&env);
	if (e != ERR_OK)
		cfg_fini(cfg);
	return e;
}

void
cfg_fini(struct config *cfg)
{
	size_t i;

	for (i = 0; i < NELEM(cfg_keys); i++)
		if (cfg_keys[i].type != CFG_INT &&
		    cfg_keys[i].type != CFG_LEVEL) {
			char **p = (char **)((char *)cfg + cfg_keys[i].off);

			free(*p);
			*p = NULL;
		}
	free(cfg->warnings);
	cfg->warnings = NULL;
}

enum err
cfg_text_get(const struct config *cfg, const char *name, char *buf,
    size_t len, bool *secret)
{
	const struct cfg_key *k = key_find(name);
	const char *base;

	if (k == NULL)
		return ERR_NOT_FOUND;
	base = (const char *)cfg + k->off;
	*secret = k->type == CFG_SECRET;
	if (k->type == CFG_INT)
		snprintf(buf, len, "%ld", *(const long *)base);
	else if (k->type == CFG_LEVEL)
		snprintf(buf, len, "%s", cfg_level_name(*(const long *)base));
	else
		snprintf(buf, len, "%s", *(char *const *)base);
	return ERR_OK;
}

long
cfg_workers(const struct config *cfg)
{
	long n;

	if (cfg->workers > 0)
		return cfg->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? 2 * n : 2;
}

size_t
cfg_secrets(const struct config *cfg, const char **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < NELEM(cfg_keys) && n < max; i++) {
		const char *v;

		if (cfg_keys[i].type != CFG_SECRET)
			continue;
		v = *(char *const *)((const char *)cfg + cfg_keys[i].off);
		if (v != NULL && v[0] != '\0')
			out[n++] = v;
	}
	return n;
}
