/*
 * tests/unit/lib/metrics/test_metrics.c - shared counters: adds from
 * forked processes (and from a second mapping of the same file) sum up,
 * a reset zeroes them, histogram buckets, the text rendering, labels.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/metrics/metrics.h"

#define ADDS	200000

static const struct metrics_route routes[] = {
	{ "GET",	"/health" },
	{ "POST",	"/unified/validate-prompt" },
};
static const char *const provs[] = { "leonardo_ai", "runware_ai" };
static const struct metrics_names names = { routes, 2, provs, 2 };

/* The rendering of m (caller frees). */
static char *
render(const struct metrics_shm *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cr_assert_not_null(f);
	cr_assert_eq(metrics_render(m, &names, f), ERR_OK);
	fclose(f);
	return text;
}

/* The value of the exposition line that starts with series, or -1. */
static double
value_of(const char *text, const char *series)
{
	const char *p = text;
	size_t n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p += n;
	}
	return -1;
}

static void
add_from_children(struct metrics_shm *m, int nchild)
{
	int i, k, st;

	for (i = 0; i < nchild; i++)
		if (fork() == 0) {
			for (k = 0; k < ADDS; k++)
				metrics_request(m, 1, 200, 1500);
			_exit(0);
		}
	for (i = 0; i < nchild; i++) {
		cr_assert_neq(wait(&st), -1);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

Test(metrics, adds_from_forked_processes_sum_up)
{
	struct metrics_shm *m = metrics_shm_open(NULL, true);
	char *t;

	cr_assert_not_null(m);
	add_from_children(m, 4);
	metrics_request(m, 1, 200, 1500);
	t = render(m);
	cr_assert_eq(value_of(t, "imagegen_http_requests_total{route=\""
	    "/unified/validate-prompt\",method=\"POST\",code=\"200\"}"),
	    4 * ADDS + 1, "%s", t);
	free(t);
	metrics_shm_free(m);
}

Test(metrics, a_file_is_shared_by_separate_mappings_and_reset_by_master)
{
	char path[] = "/tmp/test_metrics.XXXXXX";
	struct metrics_shm *master, *runner;
	int fd = mkstemp(path);
	char *t;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_not_null(master = metrics_shm_open(path, true));
	cr_assert_not_null(runner = metrics_shm_open(path, false));
	add_from_children(master, 1);
	metrics_generation(runner, 0, METRICS_GEN_COMPLETED, 3000000);
	t = render(master);
	cr_assert_eq(value_of(t, "imagegen_generations_total{provider="
	    "\"leonardo_ai\",outcome=\"completed\"}"), 1, "%s", t);
	cr_assert_eq(value_of(t, "imagegen_http_requests_total{route=\""
	    "/unified/validate-prompt\",method=\"POST\",code=\"200\"}"), ADDS);
	free(t);
	metrics_shm_free(master);
	/* A master that starts again zeroes what the runner sees too. */
	cr_assert_not_null(master = metrics_shm_open(path, true));
	t = render(runner);
	cr_assert_eq(value_of(t, "imagegen_generations_total{provider="
	    "\"leonardo_ai\",outcome=\"completed\"}"), -1, "%s", t);
	free(t);
	metrics_shm_free(master);
	metrics_shm_free(runner);
	unlink(path);
}

Test(metrics, histogram_buckets_are_cumulative_with_sum_and_count)
{
	struct metrics_shm *m = metrics_shm_open(NULL, true);
	const char *s = "imagegen_http_request_duration_seconds";
	char series[256], *t;

	metrics_request(m, 0, 200, 800);	/* <= 1 ms */
	metrics_request(m, 0, 200, 1000);	/* <= 1 ms: le is inclusive */
	metrics_request(m, 0, 503, 30000);	/* <= 50 ms */
	metrics_request(m, 0, 200, 99000000);	/* past 10 s: +Inf only */
	t = render(m);
#define B(le, want) do {						\
	snprintf(series, sizeof(series), "%s_bucket{route=\"/health\","	\
	    "method=\"GET\",le=\"%s\"}", s, le);			\
	cr_assert_eq(value_of(t, series), want, "%s\n%s", series, t);	\
} while (0)
	B("0.001", 2);
	B("0.025", 2);
	B("0.05", 3);
	B("10", 3);
	B("+Inf", 4);
#undef B
	snprintf(series, sizeof(series), "%s_count{route=\"/health\","
	    "method=\"GET\"}", s);
	cr_assert_eq(value_of(t, series), 4);
	snprintf(series, sizeof(series), "%s_sum{route=\"/health\","
	    "method=\"GET\"}", s);
	cr_assert_float_eq(value_of(t, series), 99.0318, 1e-6);
	free(t);
	metrics_shm_free(m);
}

Test(metrics, renders_every_family_with_help_type_and_labels)
{
	struct metrics_shm *m = metrics_shm_open(NULL, true);
	char *t;

	metrics_request(m, METRICS_ROUTE_NONE, 404, 100);
	metrics_handoff(m, 1);
	metrics_attempt(m, 0, ERR_TIMEOUT);
	metrics_attempt(m, 1, ERR_OK);
	metrics_fallback(m, 0, 1);
	metrics_generation(m, METRICS_PROVIDER_NONE, METRICS_GEN_FAILED, 10);
	metrics_prompt(m, METRICS_OPT_OLLAMA, 5000, 2900, false);
	metrics_prompt(m, METRICS_OPT_LOCAL, 4000, 2999, true);
	t = render(m);
	cr_assert(strstr(t, "# TYPE imagegen_http_requests_total counter\n"));
	cr_assert(strstr(t, "# TYPE imagegen_http_request_duration_seconds "
	    "histogram\n"));
	cr_assert_eq(value_of(t, "imagegen_http_requests_total{route="
	    "\"unmatched\",method=\"any\",code=\"404\"}"), 1, "%s", t);
	cr_assert_eq(value_of(t, "imagegen_http_handoffs_total{route="
	    "\"/unified/validate-prompt\",method=\"POST\"}"), 1);
	cr_assert_eq(value_of(t, "imagegen_provider_attempts_total{provider="
	    "\"leonardo_ai\",outcome=\"timeout\"}"), 1, "%s", t);
	cr_assert_eq(value_of(t, "imagegen_provider_attempts_total{provider="
	    "\"runware_ai\",outcome=\"ok\"}"), 1);
	cr_assert_eq(value_of(t, "imagegen_fallbacks_total{from="
	    "\"leonardo_ai\",to=\"runware_ai\"}"), 1);
	cr_assert_eq(value_of(t, "imagegen_generations_total{provider="
	    "\"none\",outcome=\"failed\"}"), 1);
	cr_assert_eq(value_of(t, "imagegen_prompt_chars_saved_total{method="
	    "\"ollama\"}"), 2100);
	cr_assert_eq(value_of(t, "imagegen_prompt_chars_saved_total{method="
	    "\"local\"}"), 1001);
	cr_assert_eq(value_of(t, "imagegen_prompt_ollama_fallbacks_total"), 1);
	cr_assert_gt(value_of(t, "imagegen_metrics_reset_timestamp_seconds"),
	    1.6e9);
	free(t);
	metrics_shm_free(m);
}

Test(metrics, null_shm_and_out_of_range_slots_are_ignored)
{
	struct metrics_shm *m = metrics_shm_open(NULL, true);
	char *t;

	metrics_request(NULL, 0, 200, 1);
	metrics_generation(NULL, 0, METRICS_GEN_COMPLETED, 1);
	metrics_request(m, METRICS_ROUTES, 200, 1);
	metrics_request(m, 0, 99, 1);		/* no code slot; still timed */
	metrics_attempt(m, METRICS_PROVIDERS, ERR_OK);
	t = render(m);
	cr_assert_null(strstr(t, "imagegen_http_requests_total{"), "%s", t);
	cr_assert_eq(value_of(t, "imagegen_http_request_duration_seconds_"
	    "count{route=\"/health\",method=\"GET\"}"), 1);
	free(t);
	metrics_shm_free(m);
}

Test(metrics, route_patterns_become_labels)
{
	char b[128];

	metrics_route_label("^/unified/jobs/([0-9a-fA-F-]{36})$", b,
	    sizeof(b));
	cr_assert_str_eq(b, "/unified/jobs/{id}");
	metrics_route_label("^/health$", b, sizeof(b));
	cr_assert_str_eq(b, "/health");
	metrics_route_label("^/v1/images/generations$", b, sizeof(b));
	cr_assert_str_eq(b, "/v1/images/generations");
	metrics_route_label("^/a/((x)|(y))/b\\.json$", b, sizeof(b));
	cr_assert_str_eq(b, "/a/{id}/b.json");
}
