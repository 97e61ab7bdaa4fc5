/*
 * tests/integration/test_metrics.c - GET /metrics through nginx, with
 * the test stack's 3 workers and its runner adding to the same counters:
 * scrape, send known traffic (validate-prompt requests from 3 clients at
 * once, 404s, a 405, bad bodies, generations through the sandbox, one with
 * a fallback, prompts shortened locally and by Ollama), scrape again: the
 * deltas are exactly what was sent. Every scrape must parse with the
 * reference parser (parse-prometheus-text-format, unmodified:
 * tests/node/prom_parse.mjs). The per-request log line carries the
 * X-Request-Id sent, in the worker, the wait endpoint and the runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "tests/helpers/itest.h"

#define CLIENTS		3
#define PER_CLIENT	5

static const char *const json_h[] = { "Content-Type: application/json",
    NULL };

TestSuite(metrics, .init = itest_faults_clear, .fini = itest_faults_clear);

struct scrape {
	char	*text;		/* the answer */
	json_t	*families;	/* the parser's output */
};

/* GET /metrics, parsed by the reference parser (which must accept it). */
static void
scrape(struct scrape *s)
{
	char path[] = "/tmp/imagegen-metrics-XXXXXX", cmd[512], *ct;
	struct itest_res r;
	json_error_t je;
	FILE *p;
	int fd, st;

	itest_get(&r, "/metrics");
	cr_assert_eq(r.status, 200, "%s", r.body);
	ct = itest_header(&r, "Content-Type");
	cr_assert(ct && strncmp(ct, "text/plain; version=0.0.4", 25) == 0,
	    "%s", ct);
	free(ct);
	cr_assert_geq(fd = mkstemp(path), 0);
	cr_assert_eq(write(fd, r.body, r.len), (ssize_t)r.len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "node '%s/tests/node/prom_parse.mjs' < '%s'",
	    getenv("IMAGEGEN_ROOT"), path);
	cr_assert_not_null(p = popen(cmd, "r"));
	s->families = json_loadf(p, 0, &je);
	st = pclose(p);
	unlink(path);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the parser refused "
	    "it: %s\n%s", s->families ? json_dumps(s->families, 0) : je.text,
	    r.body);
	cr_assert(json_is_array(s->families));
	s->text = strdup(r.body);
	itest_res_fini(&r);
}

static void
scrape_fini(struct scrape *s)
{
	free(s->text);
	json_decref(s->families);
}

/* Does metric m have exactly the labels of "k=v" list want (NULL-ended)? */
static bool
labels_are(const json_t *m, const char *const *want)
{
	const json_t *l = json_object_get(m, "labels");
	char k[64];
	size_t n;

	for (n = 0; want[n] != NULL; n++) {
		const char *eq = strchr(want[n], '=');

		snprintf(k, sizeof(k), "%.*s", (int)(eq - want[n]), want[n]);
		if (json_string_value(json_object_get(l, k)) == NULL ||
		    strcmp(json_string_value(json_object_get(l, k)), eq + 1))
			return false;
	}
	return json_object_size(l) == n;
}

/* The value of family name's series with labels (as the parser read it);
 * 0 when the series is absent (a counter not yet counted). */
static double
value(const struct scrape *s, const char *name, const char *const *labels)
{
	const json_t *f, *m;
	size_t i, j;

	json_array_foreach(s->families, i, f) {
		if (strcmp(json_string_value(json_object_get(f, "name")), name))
			continue;
		json_array_foreach(json_object_get(f, "metrics"), j, m)
			if (labels_are(m, labels))
				return strtod(json_string_value(json_object_get(
				    m, "value")), NULL);
	}
	return 0;
}

/* A histogram series' _count from the text (the parser folds labelled
 * histograms into one); 0 when absent. */
static double
hist_count(const struct scrape *s, const char *name, const char *labels)
{
	char series[512];
	const char *p;

	snprintf(series, sizeof(series), "\n%s_count{%s} ", name, labels);
	p = strstr(s->text, series);
	return p ? strtod(p + strlen(series), NULL) : 0;
}

#define L(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define DELTA(name, ...) (value(&s1, name, L(__VA_ARGS__)) -		\
	value(&s0, name, L(__VA_ARGS__)))

static void
post_json(struct itest_res *r, const char *path, const char *body,
    const char *reqid)
{
	char h[160];
	const char *hs[] = { "Content-Type: application/json", h, NULL };

	snprintf(h, sizeof(h), "X-Request-Id: %s", reqid);
	itest_call(r, "POST", path, hs, body, (size_t)-1);
}

/* CLIENTS processes at once, PER_CLIENT validate-prompts each. */
static void
validate_from_clients(void)
{
	struct itest_res r;
	char rid[64];
	int c, k, st, bad = 0;

	for (c = 0; c < CLIENTS; c++) {
		if (fork() != 0)
			continue;
		for (k = 0; k < PER_CLIENT; k++) {
			snprintf(rid, sizeof(rid), "metrics-vp-%d-%d", c, k);
			post_json(&r, "/unified/validate-prompt", "{\"prompt\":"
			    "\"a lighthouse at dawn\",\"optimize\":false}", rid);
			bad += r.status != 200;
			itest_res_fini(&r);
		}
		_exit(bad);
	}
	for (c = 0; c < CLIENTS; c++) {
		cr_assert_neq(wait(&st), -1);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
}

Test(metrics, requests_by_route_and_status_match_the_traffic, .timeout = 60)
{
	const char *vp = "route=/unified/validate-prompt", *post = "method=POST";
	struct scrape s0, s1;
	struct itest_res r;
	int i;

	scrape(&s0);
	validate_from_clients();
	for (i = 0; i < 3; i++) {
		itest_get(&r, "/no/such/route");
		cr_assert_eq(r.status, 404);
		itest_res_fini(&r);
	}
	itest_call(&r, "DELETE", "/health", NULL, NULL, 0);
	cr_assert_eq(r.status, 405);
	itest_res_fini(&r);
	for (i = 0; i < 2; i++) {
		itest_call(&r, "POST", "/unified/validate-prompt", json_h,
		    "{\"prompt\":", (size_t)-1);
		cr_assert_eq(r.status, 400);
		itest_res_fini(&r);
	}
	scrape(&s1);
	cr_assert_eq(DELTA("imagegen_http_requests_total", vp, post,
	    "code=200"), CLIENTS * PER_CLIENT, "%s", s1.text);
	cr_assert_eq(DELTA("imagegen_http_requests_total", vp, post,
	    "code=400"), 2);
	cr_assert_eq(DELTA("imagegen_http_requests_total", "route=unmatched",
	    "method=any", "code=404"), 3);
	cr_assert_eq(DELTA("imagegen_http_requests_total", "route=unmatched",
	    "method=any", "code=405"), 1);
	cr_assert_eq(DELTA("imagegen_http_requests_total", "route=/metrics",
	    "method=GET", "code=200"), 1, "the first scrape");
	cr_assert_eq(hist_count(&s1, "imagegen_http_request_duration_seconds",
	    "route=\"/unified/validate-prompt\",method=\"POST\"") - hist_count(
	    &s0, "imagegen_http_request_duration_seconds", "route=\""
	    "/unified/validate-prompt\",method=\"POST\""),
	    CLIENTS * PER_CLIENT + 2);
	cr_assert_eq(DELTA("imagegen_database_up", NULL), 0);
	cr_assert_eq(value(&s1, "imagegen_database_up", L(NULL)), 1);
	scrape_fini(&s0);
	scrape_fini(&s1);
}

/* Scrapes into s until family name with labels is at least want. */
static void
scrape_until(struct scrape *s, double want, const char *name,
    const char *const *labels)
{
	int64_t end = time_mono_ms() + 10000;

	for (;;) {
		scrape(s);
		if (value(s, name, labels) >= want || time_mono_ms() > end)
			return;
		scrape_fini(s);
		usleep(50000);
	}
}

/* The sum of the bytes of the images of a generation's answer. */
static double
image_bytes(const struct itest_res *r)
{
	const json_t *img;
	double sum = 0;
	size_t i;

	json_array_foreach(json_object_get(r->json, "images"), i, img)
		sum += json_number_value(json_object_get(img, "bytes"));
	return sum;
}

/* The log lines (var/test/log/imagegen.log) that hold s, as one text
 * (caller frees); waits up to 10 s for one that also holds also. */
static char *
log_lines(const char *s, const char *also)
{
	int64_t end = time_mono_ms() + 10000;
	char *out = NULL, line[8192];
	size_t len = 0;
	FILE *f, *o;

	for (;;) {
		free(out);
		out = NULL;
		cr_assert_not_null(o = open_memstream(&out, &len));
		cr_assert_not_null(f = fopen(itest_var("log/imagegen.log"),
		    "r"));
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, s) != NULL)
				fputs(line, o);
		fclose(f);
		fclose(o);
		if (strstr(out, also) != NULL || time_mono_ms() > end)
			return out;
		usleep(50000);
	}
}

/* The line of lines whose "role" is role and that holds also, parsed. */
static json_t *
log_find(const char *lines, const char *role, const char *also)
{
	char want[64];
	const char *p, *nl;
	json_t *j;

	snprintf(want, sizeof(want), "\"role\":\"%s\"", role);
	for (p = lines; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		nl = nl ? nl : p + strlen(p);
		if (!memmem(p, (size_t)(nl - p), want, strlen(want)) ||
		    !memmem(p, (size_t)(nl - p), also, strlen(also)))
			continue;
		if ((j = json_loadb(p, (size_t)(nl - p), 0, NULL)) != NULL)
			return j;
	}
	return NULL;
}

#define JS(j, k)	json_string_value(json_object_get((j), (k)))

Test(metrics, a_generation_counts_once_and_is_traced_by_its_request_id,
    .timeout = 60)
{
	const char *gen = "route=/unified/generate", *post = "method=POST";
	const char *rw = "provider=runware_ai";
	struct scrape s0, s1;
	struct itest_res r;
	char rid[64], *lines;
	const char *job;
	json_t *w, *wt, *run;

	snprintf(rid, sizeof(rid), "metrics-gen-%ld", (long)getpid());
	scrape(&s0);
	post_json(&r, "/unified/generate", "{\"prompt\":\"a brass compass\","
	    "\"provider\":\"runware_ai\",\"fallback\":false}", rid);
	cr_assert_eq(r.status, 200, "%s", r.body);
	job = itest_str(&r, "generation_id");
	cr_assert_not_null(job);
	/* The runner counts the generation just after the wait ends. */
	scrape_until(&s1, value(&s0, "imagegen_generations_total", L(rw,
	    "outcome=completed")) + 1, "imagegen_generations_total",
	    L(rw, "outcome=completed"));
	cr_assert_eq(DELTA("imagegen_generations_total", rw,
	    "outcome=completed"), 1, "%s", s1.text);
	cr_assert_eq(DELTA("imagegen_provider_attempts_total", rw,
	    "outcome=ok"), 1);
	cr_assert_eq(DELTA("imagegen_http_requests_total", gen, post,
	    "code=200"), 1, "counted when its wait ended");
	cr_assert_eq(DELTA("imagegen_http_handoffs_total", gen, post), 1);
	cr_assert_eq(hist_count(&s1, "imagegen_generation_duration_seconds",
	    "provider=\"runware_ai\"") - hist_count(&s0,
	    "imagegen_generation_duration_seconds", "provider=\"runware_ai\""),
	    1);
	cr_assert_eq(DELTA("imagegen_storage_images", NULL), (double)json_array_size(
	    json_object_get(r.json, "images")));
	cr_assert_eq(DELTA("imagegen_storage_bytes", NULL), image_bytes(&r));
	cr_assert_gt(image_bytes(&r), 0);

	/* One trace: the worker's line, the wait endpoint's, the runner's. */
	lines = log_lines(rid, "completed");
	w = log_find(lines, "worker", "\"msg\":\"request\"");
	wt = log_find(lines, "waiter", "\"msg\":\"request\"");
	run = log_find(lines, "runner", "completed");
	cr_assert(w && wt && run, "%s", lines);
	cr_assert_str_eq(JS(w, "route"), "/unified/generate");
	cr_assert_str_eq(JS(w, "method"), "POST");
	cr_assert_str_eq(JS(w, "job_id"), job);
	cr_assert_str_eq(JS(w, "handoff"), "wait");
	cr_assert(json_is_number(json_object_get(w, "ms")));
	cr_assert_eq(json_integer_value(json_object_get(wt, "status")), 200);
	cr_assert_str_eq(JS(wt, "job_id"), job);
	cr_assert_str_eq(JS(wt, "provider"), "runware_ai");
	cr_assert_str_eq(JS(wt, "route"), "/unified/generate");
	cr_assert(strstr(JS(run, "msg"), job) && strstr(JS(run, "msg"),
	    "runware_ai#1 ok"), "%s", JS(run, "msg"));
	json_decref(w);
	json_decref(wt);
	json_decref(run);
	free(lines);
	itest_res_fini(&r);
	scrape_fini(&s0);
	scrape_fini(&s1);
}

Test(metrics, a_fallback_counts_the_failed_attempt_and_the_move,
    .timeout = 60)
{
	struct scrape s0, s1;
	struct itest_res r;
	json_t *a;
	const char *to, *why;
	char from_l[64], to_l[64], why_l[64];

	itest_fault("runware", "{\"status\":401}");
	scrape(&s0);
	post_json(&r, "/unified/generate", "{\"prompt\":\"a paper boat\","
	    "\"provider\":\"runware_ai\"}", "metrics-fallback");
	cr_assert_eq(r.status, 200, "%s", r.body);
	a = itest_attempts(&r);
	cr_assert_eq(json_array_size(a), 2, "%s", r.body);
	why = json_string_value(json_object_get(json_array_get(a, 0),
	    "outcome"));
	to = json_string_value(json_object_get(json_array_get(a, 1),
	    "provider"));
	snprintf(to_l, sizeof(to_l), "provider=%s", to);
	snprintf(from_l, sizeof(from_l), "to=%s", to);
	snprintf(why_l, sizeof(why_l), "outcome=%s", why);
	scrape_until(&s1, value(&s0, "imagegen_generations_total", L(to_l,
	    "outcome=completed")) + 1, "imagegen_generations_total",
	    L(to_l, "outcome=completed"));
	cr_assert_eq(DELTA("imagegen_fallbacks_total", "from=runware_ai",
	    from_l), 1, "%s", s1.text);
	cr_assert_eq(DELTA("imagegen_provider_attempts_total",
	    "provider=runware_ai", why_l), 1);
	cr_assert_eq(DELTA("imagegen_provider_attempts_total", to_l,
	    "outcome=ok"), 1);
	cr_assert_eq(DELTA("imagegen_generations_total", to_l,
	    "outcome=completed"), 1);
	cr_assert_eq(DELTA("imagegen_generations_total", "provider=runware_ai",
	    "outcome=completed"), 0);
	itest_res_fini(&r);
	scrape_fini(&s0);
	scrape_fini(&s1);
}

/* A prompt of n characters (caller frees). */
static char *
long_prompt(size_t n)
{
	static const char words[] = "a quiet harbor town with fishing boats, "
	    "gulls over the water, warm light on old stone walls, ";
	char *p = malloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = words[i % (sizeof(words) - 1)];
	p[n] = '\0';
	return p;
}

/* validate-prompt of a 5000-character prompt with method m; checks the
 * optimization counters moved by exactly what its answer says. */
static void
optimize_with(const char *m)
{
	char *prompt = long_prompt(5000), *body, mth[32];
	struct scrape s0, s1;
	struct itest_res r;
	json_t *o;
	double saved;

	cr_assert_gt(asprintf(&body, "{\"prompt\":\"%s\",\"method\":\"%s\"}",
	    prompt, m), 0);
	scrape(&s0);
	post_json(&r, "/unified/validate-prompt", body, "metrics-optimize");
	cr_assert_eq(r.status, 200, "%s", r.body);
	o = json_object_get(r.json, "optimized");
	snprintf(mth, sizeof(mth), "method=%s", json_string_value(
	    json_object_get(o, "method")));
	saved = json_number_value(json_object_get(o, "original_length")) -
	    json_number_value(json_object_get(o, "optimized_length"));
	cr_assert_gt(saved, 0, "%s", r.body);
	scrape(&s1);
	cr_assert_eq(DELTA("imagegen_prompt_optimizations_total", mth), 1,
	    "%s\n%s", r.body, s1.text);
	cr_assert_eq(DELTA("imagegen_prompt_chars_saved_total", mth), saved);
	cr_assert_eq(DELTA("imagegen_prompt_ollama_fallbacks_total", NULL),
	    json_is_string(json_object_get(o, "fallback_reason")) ? 1 : 0);
	itest_res_fini(&r);
	scrape_fini(&s0);
	scrape_fini(&s1);
	free(body);
	free(prompt);
}

Test(metrics, prompt_optimizations_count_by_method_and_chars_saved,
    .timeout = 60)
{
	optimize_with("local");		/* in the worker */
	optimize_with("ollama");	/* in the runner, via the sandbox */
}

Test(metrics, the_request_line_carries_the_request_id_sent)
{
	struct itest_res r;
	char rid[64], *lines;
	json_t *w;

	snprintf(rid, sizeof(rid), "metrics-line-%ld", (long)getpid());
	post_json(&r, "/unified/validate-prompt", "{\"prompt\":\"a kite\"}",
	    rid);
	cr_assert_eq(r.status, 200);
	itest_res_fini(&r);
	lines = log_lines(rid, "\"msg\":\"request\"");
	w = log_find(lines, "worker", "\"msg\":\"request\"");
	cr_assert_not_null(w, "%s", lines);
	cr_assert_str_eq(JS(w, "request_id"), rid);
	cr_assert_str_eq(JS(w, "route"), "/unified/validate-prompt");
	cr_assert_str_eq(JS(w, "path"), "/unified/validate-prompt");
	cr_assert_str_eq(JS(w, "method"), "POST");
	cr_assert_eq(json_integer_value(json_object_get(w, "status")), 200);
	cr_assert_str_eq(JS(w, "level"), "info");
	json_decref(w);
	free(lines);
}
