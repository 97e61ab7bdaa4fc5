/*
 * tests/unit/lib/config/test_config.c - settings: defaults, .env,
 * environment precedence, validation messages naming the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/config/config.h"

static struct config cfg;
static char why[512];
static char path[64];

static const char *
write_env(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/imagegen-cfg-XXXXXX");
	cr_assert((fd = mkstemp(path)) >= 0);
	cr_assert_not_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

static void
teardown(void)
{
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

TestSuite(config, .fini = teardown);

Test(config, defaults)
{
	cr_assert_eq(cfg_load(&cfg, NULL, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_eq(cfg.max_requests, 10000);
	cr_assert_eq(cfg.prompt_max_chars, 10000);
	cr_assert_eq(cfg.prompt_optimize_above, 3000);
	cr_assert_str_eq(cfg.ollama_url, "http://localhost:11434");
	cr_assert_str_eq(cfg.ollama_model, "gpt-oss:20b");
	cr_assert_eq(cfg.log_level, LOG_INFO);
	cr_assert(cfg_workers(&cfg) >= 2);
	cfg_fini(&cfg);
}

Test(config, file_values_apply)
{
	write_env("WORKERS=3\nLOG_LEVEL=debug\nCORS_ORIGINS=https://a\n");
	cr_assert_eq(cfg_load(&cfg, path, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_eq(cfg.workers, 3);
	cr_assert_eq(cfg_workers(&cfg), 3);
	cr_assert_eq(cfg.log_level, LOG_DEBUG);
	cr_assert_str_eq(cfg.cors_origins, "https://a");
	cfg_fini(&cfg);
}

Test(config, environment_overrides_file)
{
	write_env("MAX_REQUESTS=5\n");
	setenv("MAX_REQUESTS", "7", 1);
	cr_assert_eq(cfg_load(&cfg, path, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_eq(cfg.max_requests, 7);
	cfg_fini(&cfg);
	unsetenv("MAX_REQUESTS");
}

/* The seed's .env (SUPABASE_URL, SUPABASE_ANON_KEY) stopped the service:
 * an unknown or legacy key is now a warning naming it, never its value. */
Test(config, unknown_and_legacy_keys_in_file_are_warnings)
{
	write_env("WORKERS=2\nWROKERS=3\nSUPABASE_URL=https://x.supabase.co"
	    "\nSUPABASE_ANON_KEY=eyJhbGciOi.secret\n");
	cr_assert_eq(cfg_load(&cfg, path, why, sizeof(why)), ERR_OK, "%s",
	    why);
	cr_assert_eq(cfg.workers, 2);
	cr_assert_not_null(cfg.warnings);
	cr_assert(strstr(cfg.warnings, "WROKERS") != NULL, "%s", cfg.warnings);
	cr_assert(strstr(cfg.warnings, "line 2") != NULL, "%s", cfg.warnings);
	cr_assert(strstr(cfg.warnings, "unknown setting") != NULL, "%s",
	    cfg.warnings);
	cr_assert(strstr(cfg.warnings, "SUPABASE_URL") != NULL, "%s",
	    cfg.warnings);
	cr_assert(strstr(cfg.warnings, "SUPABASE_ANON_KEY") != NULL, "%s",
	    cfg.warnings);
	cr_assert(strstr(cfg.warnings, "ignored") != NULL, "%s",
	    cfg.warnings);
	cr_assert_null(strstr(cfg.warnings, "secret"), "%s", cfg.warnings);
	cr_assert_null(strstr(cfg.warnings, "supabase.co"), "%s",
	    cfg.warnings);
	cfg_fini(&cfg);
	cr_assert_null(cfg.warnings);
}

Test(config, no_warnings_for_a_clean_file)
{
	write_env("WORKERS=2\n");
	cr_assert_eq(cfg_load(&cfg, path, why, sizeof(why)), ERR_OK);
	cr_assert_str_eq(cfg.warnings, "");
	cfg_fini(&cfg);
}

Test(config, malformed_values_are_named_with_the_rule)
{
	static const char *bad[][2] = {
		{ "WORKERS=many\n", "WORKERS" },
		{ "WORKERS=-1\n", "WORKERS" },
		{ "MAX_REQUESTS=10x\n", "MAX_REQUESTS" },
		{ "LOG_LEVEL=loud\n", "LOG_LEVEL" },
		{ "OLLAMA_URL=localhost:11434\n", "OLLAMA_URL" },
		{ "BODY_MAX_BYTES=\n", "BODY_MAX_BYTES" },
		{ "PROMPT_OPTIMIZE_ABOVE=20000\n", "PROMPT_OPTIMIZE_ABOVE" },
		{ "PUBLIC_BASE_URL=cdn.example\n", "PUBLIC_BASE_URL" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_env(bad[i][0]);
		cr_assert_eq(cfg_load(&cfg, path, why, sizeof(why)),
		    ERR_INVALID_FIELD, "%s accepted", bad[i][0]);
		cr_assert(strstr(why, bad[i][1]) != NULL, "%s", why);
		teardown();
	}
}

Test(config, malformed_environment_value_is_named)
{
	setenv("GRACEFUL_TIMEOUT_S", "0", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert(strstr(why, "GRACEFUL_TIMEOUT_S (environment)") != NULL,
	    "%s", why);
	unsetenv("GRACEFUL_TIMEOUT_S");
}

Test(config, secrets_are_listed_for_redaction)
{
	const char *s[8];
	char buf[128];
	bool secret;

	setenv("GEMINI_API_KEY", "g-secret", 1);
	setenv("DATABASE_URL", "postgresql://u:pw@db.internal/x", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, why, sizeof(why)), ERR_OK);
	cr_assert_eq(cfg_secrets(&cfg, s, 8), 2);
	cr_assert_str_eq(s[0], "postgresql://u:pw@db.internal/x");
	cr_assert_str_eq(s[1], "g-secret");
	/* config-get says "set", never the URL with its password */
	cr_assert_eq(cfg_text_get(&cfg, "DATABASE_URL", buf, sizeof(buf),
	    &secret), 0);
	cr_assert(secret);
	cfg_fini(&cfg);
	unsetenv("GEMINI_API_KEY");
	unsetenv("DATABASE_URL");
}

Test(config, auth_off_only_on_loopback)
{
	static const struct {
		const char	*auth, *listen;
		enum err	 want;
	} cases[] = {
		{ "on", "0.0.0.0:80", ERR_OK },
		{ "off", "127.0.0.1:8003", ERR_OK },
		{ "off", "[::1]:8003", ERR_OK },
		{ "off", "unix:/run/imagegen/nginx.sock", ERR_OK },
		{ "off", "0.0.0.0:80", ERR_INVALID_FIELD },
		{ "off", "203.0.113.5:443", ERR_INVALID_FIELD },
		{ "off", "1270.0.0.1:80", ERR_INVALID_FIELD },
		{ "off", "[::]:80", ERR_INVALID_FIELD },
		{ "maybe", "127.0.0.1:8003", ERR_INVALID_FIELD },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("AUTH", cases[i].auth, 1);
		setenv("HTTP_LISTEN", cases[i].listen, 1);
		cr_expect_eq(cfg_load(&cfg, NULL, why, sizeof(why)),
		    cases[i].want, "AUTH=%s HTTP_LISTEN=%s: %s", cases[i].auth,
		    cases[i].listen, why);
		if (cases[i].want == ERR_OK)
			cfg_fini(&cfg);
		else
			cr_expect_not_null(strstr(why, "AUTH"), "%s", why);
	}
	unsetenv("AUTH");
	unsetenv("HTTP_LISTEN");
}

Test(config, metrics_access_is_loopback_public_or_key)
{
	static const char *const ok[] = { "loopback", "public", "key" };
	size_t i;

	cr_assert_eq(cfg_load(&cfg, NULL, why, sizeof(why)), ERR_OK, "%s", why);
	cr_assert_str_eq(cfg.metrics_access, "loopback", "the default");
	cr_assert_str_eq(cfg.metrics_file, "var/run/metrics");
	cfg_fini(&cfg);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		setenv("METRICS_ACCESS", ok[i], 1);
		cr_expect_eq(cfg_load(&cfg, NULL, why, sizeof(why)), ERR_OK,
		    "%s", why);
		cfg_fini(&cfg);
	}
	setenv("METRICS_ACCESS", "everyone", 1);
	cr_assert_eq(cfg_load(&cfg, NULL, why, sizeof(why)),
	    ERR_INVALID_FIELD);
	cr_assert_not_null(strstr(why, "METRICS_ACCESS"), "%s", why);
	unsetenv("METRICS_ACCESS");
}
