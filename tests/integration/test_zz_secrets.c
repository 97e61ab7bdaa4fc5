/*
 * tests/integration/test_zz_secrets.c - no secret in any log of the test
 * stack (var/test/log/: the service's JSON lines, nginx's, the runner's,
 * spawn-fcgi's, the sanitizers'): the client key every test sent, the
 * provider keys the stack runs with, WEBHOOK_SECRET, and the password of
 * a DATABASE_URL. Named zz to run after every other integration test of
 * the run, whose traffic it reads; it first adds its own: a request with
 * a key that is refused, a provider quoting our key in its refusal, the
 * service's commands (doctor, migrate, keys list) run with a DATABASE_URL
 * holding a password, against the stack's PostgreSQL and a closed port.
 * Not here: the redaction rules themselves (tests/unit/lib/log/).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"
#include "tests/sandbox/sandbox.h"

#define DB_PASSWORD	"pw-Zq8rT1-secrets-probe"
#define PROBE_KEY	"probe-key-7Hc2Lx9Q"
#define PROBE_LOG	"log/secrets-probe.log"

/* What must never be written, and its name in a failure. */
struct secret {
	const char	*name;
	char		 value[256];
};

static size_t
secrets_collect(struct secret *s, size_t max)
{
	const char *key = getenv("IMAGEGEN_TEST_KEY"),
	    *wh = getenv("WEBHOOK_SECRET");
	size_t n = 0;

#define ADD(nm, v) do { if ((v) != NULL && (v)[0] != '\0' && n < max) { \
	s[n].name = (nm); snprintf(s[n].value, sizeof(s[n].value), "%s", \
	(v)); n++; } } while (0)
	ADD("IMAGEGEN_TEST_KEY", key);
	ADD("the secret part of IMAGEGEN_TEST_KEY", key && strrchr(key, '_') ?
	    strrchr(key, '_') + 1 : NULL);
	ADD("WEBHOOK_SECRET", wh);
	ADD("WEBHOOK_SECRET without whsec_", wh && strncmp(wh, "whsec_", 6) ==
	    0 ? wh + 6 : NULL);
	ADD("LEONARDO_API_KEY of the stack", SB_LEONARDO_KEY);
	ADD("RUNWARE_API_KEY and GEMINI_API_KEY of the stack", "sandbox-key");
	ADD("the DATABASE_URL password of the probe", DB_PASSWORD);
	ADD("the provider keys of the probe", PROBE_KEY);
#undef ADD
	cr_assert_geq(n, 7, "IMAGEGEN_TEST_KEY and WEBHOOK_SECRET are set by "
	    "tests/run-integration.sh");
	return n;
}

/* Runs the service's command cmd with a password in DATABASE_URL (at
 * port) and probe keys for the sandbox's providers, its output appended
 * to PROBE_LOG. */
static void
probe_run(const char *cmd, int port)
{
	char line[4096], log[2048];

	snprintf(log, sizeof(log), "%s", itest_var(PROBE_LOG));
	snprintf(line, sizeof(line), "cd '%s' && DATABASE_URL='postgresql://"
	    "imagegen:" DB_PASSWORD "@127.0.0.1:%d/imagegen' LOG_FILE= "
	    "LEONARDO_API_KEY=" PROBE_KEY " RUNWARE_API_KEY=" PROBE_KEY " "
	    "GEMINI_API_KEY=" PROBE_KEY " "
	    "LEONARDO_BASE_URL=http://127.0.0.1:%d/api/rest/v1 "
	    "RUNWARE_BASE_URL=http://127.0.0.1:%d/v1 "
	    "GEMINI_BASE_URL=http://127.0.0.1:%d/v1beta "
	    "COMFYUI_URL=http://127.0.0.1:%d OLLAMA_URL=http://127.0.0.1:%d "
	    "timeout 60 '%s' -e /dev/null %s >>'%s' 2>&1",
	    getenv("IMAGEGEN_ROOT"), port, itest_sandbox_port("leonardo"),
	    itest_sandbox_port("runware"), itest_sandbox_port("gemini"),
	    itest_sandbox_port("comfyui"), itest_sandbox_port("ollama"),
	    getenv("IMAGEGEN_BIN"), cmd, log);
	cr_assert_neq(system(line), -1, "%s", cmd);
}

/* Traffic that handles secrets on failure paths. */
static void
traffic(void)
{
	static const char *const bad_key[] = { "Authorization: Bearer "
	    "igk_00000000_" PROBE_KEY, NULL };
	static const char *const json_h[] = { "Content-Type: application/json",
	    NULL };
	const char *pg = getenv("PG_PORT");
	struct itest_res r;

	itest_call(&r, "GET", "/unified/jobs", bad_key, NULL, 0);
	cr_assert_eq(r.status, 401, "%s", r.body);
	itest_res_fini(&r);
	/* A provider quoting our key in its error: the service logs what
	 * the provider said. */
	itest_fault("leonardo", "{\"status\":401,\"body\":\"{\\\"error\\\":"
	    "\\\"Invalid API key " SB_LEONARDO_KEY "\\\"}\"}");
	itest_call(&r, "POST", "/unified/generate", json_h, "{\"prompt\":\"x\","
	    "\"provider\":\"leonardo_ai\",\"fallback\":false}", (size_t)-1);
	cr_assert_eq(r.status, 502, "%s", r.body);
	cr_assert_null(strstr(r.body, SB_LEONARDO_KEY), "%s", r.body);
	itest_res_fini(&r);
	itest_fault("leonardo", "");
	cr_assert_not_null(getenv("IMAGEGEN_BIN"));
	cr_assert_not_null(getenv("IMAGEGEN_ROOT"));
	cr_assert_not_null(pg);
	probe_run("doctor", atoi(pg));
	probe_run("migrate", atoi(pg));
	probe_run("doctor", 1);
	probe_run("keys list", 1);
}

/* The whole of path, or NULL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (b = malloc((size_t)n + 1)) != NULL) {
		*len = fread(b, 1, (size_t)n, f);
		b[*len] = '\0';
	}
	fclose(f);
	return b;
}

/* Does b[0..len) hold s (the logs may hold NUL bytes)? */
static bool
holds(const char *b, size_t len, const char *s)
{
	size_t n = strlen(s);

	return n > 0 && memmem(b, len, s, n) != NULL;
}

Test(secrets, none_in_the_logs, .timeout = 300)
{
	struct secret s[16];
	char path[4200], *b;
	struct dirent *e;
	struct stat st;
	size_t n, i, len, files = 0, bytes = 0;
	DIR *d;

	n = secrets_collect(s, 16);
	traffic();
	snprintf(path, sizeof(path), "%s", itest_var("log"));
	cr_assert_not_null(d = opendir(path), "%s", path);
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", itest_var("log"),
		    e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (b = slurp(path, &len)) == NULL)
			continue;
		files++;
		bytes += len;
		for (i = 0; i < n; i++)
			cr_expect(!holds(b, len, s[i].value), "%s is in %s",
			    s[i].name, e->d_name);
		free(b);
	}
	closedir(d);
	cr_assert_geq(files, 4, "the logs were read (service, nginx, runner, "
	    "probe)");
	cr_assert_gt(bytes, 0);
	printf("secrets: %zu secrets checked in %zu files, %zu bytes\n", n,
	    files, bytes);
}
