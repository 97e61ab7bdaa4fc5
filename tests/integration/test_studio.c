/*
 * tests/integration/test_studio.c - the web studio at / through nginx:
 * its files served with their types, cache headers and
 * Content-Security-Policy; then the page itself driven in Debian's
 * chromium by playwright-core (tests/node/studio.mjs): key, prompt and
 * analysis, a generation whose images load, the gallery, the dashboard,
 * a running job cancelled (the Leonardo sandbox kept pending),
 * a phone-width pass and a keyboard-only pass, no console error.
 * Screenshots go to build/test-logs/studio/ (their paths are printed).
 * Not here: the API the page calls (test_generate.c, test_jobs_api.c...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "tests/helpers/itest.h"

TestSuite(studio, .init = itest_faults_clear, .fini = itest_faults_clear);

/* The studio's files and the type nginx must give each. */
static const struct {
	const char	*path, *type;
} files[] = {
	{ "/",				"text/html" },
	{ "/studio/studio.css",		"text/css" },
	{ "/studio/studio.js",		"text/javascript" },
	{ "/studio/api.js",		"text/javascript" },
	{ "/studio/dom.js",		"text/javascript" },
	{ "/studio/gallery.js",		"text/javascript" },
	{ "/studio/dashboard.js",	"text/javascript" },
	{ "/studio/charts.js",		"text/javascript" },
	{ "/studio/icon.svg",		"image/svg+xml" },
};

static void
expect_header(const struct itest_res *r, const char *name, const char *has,
    const char *path)
{
	char *v = itest_header(r, name);

	cr_expect(v != NULL && strstr(v, has) != NULL, "%s: %s is \"%s\", "
	    "wanted \"%s\"", path, name, v ? v : "(none)", has);
	free(v);
}

Test(studio, files_served_with_type_cache_and_policy)
{
	struct itest_res r;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		itest_get(&r, files[i].path);
		cr_expect_eq(r.status, 200, "%s: %ld", files[i].path, r.status);
		expect_header(&r, "content-type", files[i].type, files[i].path);
		expect_header(&r, "cache-control", "no-cache", files[i].path);
		expect_header(&r, "x-content-type-options", "nosniff",
		    files[i].path);
		itest_res_fini(&r);
	}
	itest_get(&r, "/");
	expect_header(&r, "content-security-policy", "script-src 'self';", "/");
	expect_header(&r, "content-security-policy", "connect-src 'self';",
	    "/");
	expect_header(&r, "content-security-policy", "frame-ancestors 'none'",
	    "/");
	cr_expect(strstr(r.body, "<script type=\"module\" src=\"/studio/"
	    "studio.js\"></script>") != NULL, "the page loads its module");
	cr_expect(strstr(r.body, "<script>") == NULL, "no inline script");
	itest_res_fini(&r);
	/* The API keeps everything under / but the exact root. */
	itest_get(&r, "/unified/nope");
	cr_expect_eq(r.status, 404);
	cr_expect_not_null(r.json, "still the API's JSON 404");
	itest_res_fini(&r);
}

Test(studio, generate_gallery_dashboard_in_chromium, .timeout = 300)
{
	char cmd[1024], line[1024];
	const char *root = getenv("IMAGEGEN_ROOT");
	FILE *p;
	int st;

	cr_assert_not_null(root);
	snprintf(cmd, sizeof(cmd), "cd '%s' && node tests/node/studio.mjs "
	    "'%s/build/test-logs/studio' 2>&1", root, root);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p) != NULL)
		fputs(line, stdout);
	fflush(stdout);
	st = pclose(p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "studio.mjs failed "
	    "(its output is above; build/test-logs/studio/failure.png)");
}
