/*
 * tests/integration/test_doctor.c - `imagegen doctor` run against the
 * test stack's database and sandbox: every check ok, a wrong key (auth
 * failed for each keyed provider), a closed port (unreachable), a
 * missing Ollama model, and the exit statuses.
 * Not here: /unified/providers (test_generate.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"
#include "tests/sandbox/sandbox.h"

#define CLOSED_PORT	1	/* nothing listens on 127.0.0.1:1 */

struct run {
	char	out[8192];
	int	status;		/* exit status */
};

/* Runs the binary with the sandbox settings, then extra ("K=V ..."). */
static void
doctor(struct run *r, const char *key, int leonardo_port, const char *model,
    const char *args)
{
	/* the sandbox's Leonardo takes only its own UUID key */
	const char *leo = strcmp(key, "sandbox-key") == 0 ? SB_LEONARDO_KEY :
	    key;
	char cmd[4096];
	FILE *f;
	size_t n;

	snprintf(cmd, sizeof(cmd), "env DATABASE_URL='%s' "
	    "LEONARDO_API_KEY=%s LEONARDO_BASE_URL=http://127.0.0.1:%d/api/rest/v1 "
	    "RUNWARE_API_KEY=%s RUNWARE_BASE_URL=http://127.0.0.1:%d/v1 "
	    "GEMINI_API_KEY=%s GEMINI_BASE_URL=http://127.0.0.1:%d/v1beta "
	    "COMFYUI_URL=http://127.0.0.1:%d OLLAMA_URL=http://127.0.0.1:%d "
	    "OLLAMA_MODEL=%s %s -e /dev/null doctor %s 2>/dev/null",
	    getenv("IMAGEGEN_TEST_DB"), leo, leonardo_port, key,
	    itest_sandbox_port("runware"), key, itest_sandbox_port("gemini"),
	    itest_sandbox_port("comfyui"), itest_sandbox_port("ollama"), model,
	    getenv("IMAGEGEN_BIN"), args);
	cr_assert_not_null(f = popen(cmd, "r"), "%s", cmd);
	n = fread(r->out, 1, sizeof(r->out) - 1, f);
	r->out[n] = '\0';
	r->status = WEXITSTATUS(pclose(f));
}

/* The row of check name has verdict (and, when fix is set, that fix). */
static void
expect_row(const struct run *r, const char *name, const char *verdict,
    const char *fix)
{
	char line[512];
	const char *p = r->out, *nl;

	for (; *p; p = *nl ? nl + 1 : nl) {
		nl = strchrnul(p, '\n');
		snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
		if (strncmp(line, name, strlen(name)) != 0 ||
		    line[strlen(name)] != ' ')
			continue;
		cr_expect(strstr(line, verdict) != NULL, "%s: want \"%s\" in "
		    "\"%s\"", name, verdict, line);
		cr_expect(fix == NULL || strstr(line, fix) != NULL, "%s: want "
		    "\"%s\" in \"%s\"", name, fix, line);
		return;
	}
	cr_expect_fail("no row %s in:\n%s", name, r->out);
}

static void
expect_private(const struct run *r)
{
	cr_expect(strstr(r->out, "http") == NULL, "a URL is printed:\n%s",
	    r->out);
	cr_expect(strstr(r->out, "sandbox-key") == NULL && strstr(r->out,
	    "wrong-key") == NULL && strstr(r->out, SB_LEONARDO_KEY) == NULL,
	    "a key is printed:\n%s", r->out);
}

TestSuite(doctor, .init = itest_faults_clear, .fini = itest_faults_clear);

Test(doctor, all_ok, .timeout = 60)
{
	struct run r;
	static const char *const rows[] = { "database", "leonardo_ai",
	    "runware_ai", "gemini", "comfyui", "ollama" };
	size_t i;

	doctor(&r, "sandbox-key", itest_sandbox_port("leonardo"),
	    "gpt-oss:20b", "");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect_row(&r, rows[i], " ok ", NULL);
	expect_private(&r);
	cr_expect_eq(r.status, 0, "exit %d:\n%s", r.status, r.out);
}

Test(doctor, wrong_key_is_auth_failed_for_each_provider, .timeout = 60)
{
	struct run r;

	doctor(&r, "wrong-key", itest_sandbox_port("leonardo"),
	    "gpt-oss:20b", "");
	expect_row(&r, "leonardo_ai", "auth failed", "LEONARDO_API_KEY");
	expect_row(&r, "runware_ai", "auth failed", "RUNWARE_API_KEY");
	expect_row(&r, "gemini", "auth failed", "GEMINI_API_KEY");
	expect_row(&r, "comfyui", " ok ", NULL);	/* no key */
	expect_private(&r);
	cr_expect_eq(r.status, 1, "exit %d:\n%s", r.status, r.out);
}

Test(doctor, closed_port_is_unreachable, .timeout = 60)
{
	struct run r;

	doctor(&r, "sandbox-key", CLOSED_PORT, "gpt-oss:20b", "");
	expect_row(&r, "leonardo_ai", "unreachable", "LEONARDO_BASE_URL");
	expect_row(&r, "runware_ai", " ok ", NULL);
	expect_private(&r);
	cr_expect_eq(r.status, 1, "exit %d:\n%s", r.status, r.out);
}

Test(doctor, missing_ollama_model, .timeout = 60)
{
	struct run r;

	doctor(&r, "sandbox-key", itest_sandbox_port("leonardo"),
	    "absent-model:1b", "");
	expect_row(&r, "ollama", "model missing", "ollama pull absent-model:1b");
	cr_expect_eq(r.status, 1, "exit %d:\n%s", r.status, r.out);
}

Test(doctor, unconfigured_provider_is_not_a_failure, .timeout = 60)
{
	struct run r;

	/* An empty key: the provider is not configured, not failing. */
	doctor(&r, "''", itest_sandbox_port("leonardo"), "gpt-oss:20b", "");
	expect_row(&r, "gemini", "not configured", "set GEMINI_API_KEY in");
	expect_row(&r, "comfyui", " ok ", NULL);
	cr_expect_eq(r.status, 0, "exit %d:\n%s", r.status, r.out);
}

Test(doctor, usage, .timeout = 60)
{
	struct run r;

	doctor(&r, "sandbox-key", itest_sandbox_port("leonardo"),
	    "gpt-oss:20b", "extra-argument");
	cr_expect_eq(r.status, 2);
}
