/*
 * lib/metrics/metrics.c - the shared counters (one mapped file of C11
 * atomics) and their Prometheus text rendering.
 * Not here: deciding what to count (callers), gauges of the database and
 * circuits (handlers/metrics.c).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/core/shmfile.h"
#include "lib/core/util.h"
#include "lib/metrics/metrics.h"

#define METRICS_MAGIC	0x4d455431u	/* "MET1": the layout's version */

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "lock-free 64-bit atomics");
_Static_assert(ERR__MAX <= METRICS_ERRS, "one attempt slot per error");

typedef _Atomic uint64_t counter;

/* Upper bounds (microseconds) of the histogram buckets; +Inf follows. */
static const int64_t request_bounds[] = { 1000, 2500, 5000, 10000, 25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000 };
static const int64_t generation_bounds[] = { 500000, 1000000, 2000000,
    5000000, 10000000, 20000000, 30000000, 60000000, 120000000,
    300000000 };
_Static_assert(NELEM(request_bounds) < METRICS_BUCKETS_MAX, "buckets");
_Static_assert(NELEM(generation_bounds) < METRICS_BUCKETS_MAX, "buckets");

struct hist {
	counter		 bucket[METRICS_BUCKETS_MAX];	/* not cumulative */
	counter		 sum_us;
};

struct metrics_counters {
	counter		 requests[METRICS_ROUTES][METRICS_CODES];
	struct hist	 request_time[METRICS_ROUTES];
	counter		 handoffs[METRICS_ROUTES];
	counter		 generations[METRICS_PROVIDERS][METRICS_GEN__MAX];
	struct hist	 generation_time[METRICS_PROVIDERS];
	counter		 attempts[METRICS_PROVIDERS][METRICS_ERRS];
	counter		 fallbacks[METRICS_PROVIDERS][METRICS_PROVIDERS];
	counter		 prompts[METRICS_OPT__MAX];
	counter		 prompt_saved[METRICS_OPT__MAX];
	counter		 prompt_fallbacks;
};

struct metrics_shm {
	uint32_t		 magic;
	uint32_t		 size;
	counter			 reset_at;	/* unix seconds */
	struct metrics_counters	 c;
};

/* enum metrics_gen and enum metrics_opt -> their label values. */
static const char *const gen_names[] = {
	[METRICS_GEN_COMPLETED] = "completed",
	[METRICS_GEN_FAILED]	= "failed",
	[METRICS_GEN_CANCELLED]	= "cancelled",
};
_Static_assert(NELEM(gen_names) == METRICS_GEN__MAX, "one name a state");

static const char *const opt_names[] = {
	[METRICS_OPT_OLLAMA]	= "ollama",
	[METRICS_OPT_LOCAL]	= "local",
};
_Static_assert(NELEM(opt_names) == METRICS_OPT__MAX, "one name a method");

static void
shm_reset(struct metrics_shm *m)
{
	memset(&m->c, 0, sizeof(m->c));
	atomic_store(&m->reset_at, (uint64_t)time(NULL));
	m->size = sizeof(*m);
	m->magic = METRICS_MAGIC;
}

/* Under the file's lock: zeroed when asked, or when the file holds
 * another layout (new, or an older version's). */
static void
shm_init(void *p, void *reset)
{
	struct metrics_shm *m = p;

	if (*(bool *)reset || m->magic != METRICS_MAGIC || m->size !=
	    sizeof(*m))
		shm_reset(m);
}

struct metrics_shm *
metrics_shm_open(const char *path, bool reset)
{
	return shmfile_map(path, sizeof(struct metrics_shm), shm_init, &reset);
}

void
metrics_shm_free(struct metrics_shm *m)
{
	shmfile_unmap(m, sizeof(*m));
}

static void
add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(const counter *c)
{
	return atomic_load_explicit((counter *)c, memory_order_relaxed);
}

static void
observe(struct hist *h, const int64_t *bounds, size_t nb, int64_t us)
{
	size_t i;

	if (us < 0)
		us = 0;
	for (i = 0; i < nb && us > bounds[i]; i++)
		continue;
	add(&h->bucket[i], 1);
	add(&h->sum_us, (uint64_t)us);
}

void
metrics_request(struct metrics_shm *m, size_t route, int status, int64_t us)
{
	if (m == NULL || route >= METRICS_ROUTES)
		return;
	if (status >= METRICS_CODE_MIN && status < METRICS_CODE_MIN +
	    METRICS_CODES)
		add(&m->c.requests[route][status - METRICS_CODE_MIN], 1);
	observe(&m->c.request_time[route], request_bounds,
	    NELEM(request_bounds), us);
}

void
metrics_handoff(struct metrics_shm *m, size_t route)
{
	if (m != NULL && route < METRICS_ROUTES)
		add(&m->c.handoffs[route], 1);
}

void
metrics_generation(struct metrics_shm *m, size_t prov, enum metrics_gen g,
    int64_t us)
{
	if (m == NULL || prov >= METRICS_PROVIDERS || (unsigned)g >=
	    METRICS_GEN__MAX)
		return;
	add(&m->c.generations[prov][g], 1);
	observe(&m->c.generation_time[prov], generation_bounds,
	    NELEM(generation_bounds), us);
}

void
metrics_attempt(struct metrics_shm *m, size_t prov, enum err e)
{
	if (m != NULL && prov < METRICS_PROVIDERS && (unsigned)e < ERR__MAX)
		add(&m->c.attempts[prov][e], 1);
}

void
metrics_fallback(struct metrics_shm *m, size_t from, size_t to)
{
	if (m != NULL && from < METRICS_PROVIDERS && to < METRICS_PROVIDERS)
		add(&m->c.fallbacks[from][to], 1);
}

enum metrics_opt
metrics_opt_of(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < METRICS_OPT__MAX; i++)
		if (strcmp(opt_names[i], name) == 0)
			return (enum metrics_opt)i;
	return METRICS_OPT__MAX;
}

void
metrics_prompt(struct metrics_shm *m, enum metrics_opt method,
    size_t chars_before, size_t chars_after, bool fell_back)
{
	if (m == NULL || (unsigned)method >= METRICS_OPT__MAX)
		return;
	add(&m->c.prompts[method], 1);
	if (chars_before > chars_after)
		add(&m->c.prompt_saved[method], chars_before - chars_after);
	if (fell_back)
		add(&m->c.prompt_fallbacks, 1);
}

/* ---- rendering ---- */

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* s into buf (len) as a label value: \, " and newlines escaped. */
static size_t
label_value(char *buf, size_t len, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < len; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[o++] = '\\';
		buf[o++] = *s == '\n' ? 'n' : *s;
	}
	buf[o] = '\0';
	return o;
}

/* route="...",method="..." of route slot r into buf. */
static void
route_labels(char *buf, size_t len, const struct metrics_names *n, size_t r)
{
	char path[160], method[24];

	label_value(path, sizeof(path), r < n->nroutes ? n->routes[r].path :
	    "unmatched");
	label_value(method, sizeof(method), r < n->nroutes ?
	    n->routes[r].method : "any");
	snprintf(buf, len, "route=\"%s\",method=\"%s\"", path, method);
}

static const char *
prov_name(const struct metrics_names *n, size_t p)
{
	return p < n->nproviders ? n->providers[p] : "none";
}

/* Slots past the named providers (but "none") are never written. */
static bool
prov_used(const struct metrics_names *n, size_t p)
{
	return p < n->nproviders || p == METRICS_PROVIDER_NONE;
}

static bool
route_used(const struct metrics_names *n, size_t r)
{
	return r < n->nroutes || r == METRICS_ROUTE_NONE;
}

/* Buckets (cumulative, le in seconds), _sum and _count of h; labels
 * ("k=\"v\",...", not empty) go before each le. */
static void
hist_render(FILE *f, const char *name, const char *labels,
    const struct hist *h, const int64_t *bounds, size_t nb)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= nb; i++) {
		cum += get(&h->bucket[i]);
		if (i < nb)
			fprintf(f, "%s_bucket{%s,le=\"%g\"} %llu\n", name,
			    labels, (double)bounds[i] / 1e6,
			    (unsigned long long)cum);
		else
			fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name,
			    labels, (unsigned long long)cum);
	}
	fprintf(f, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, labels,
	    (double)get(&h->sum_us) / 1e6, name, labels,
	    (unsigned long long)cum);
}

static uint64_t
hist_count(const struct hist *h)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < METRICS_BUCKETS_MAX; i++)
		n += get(&h->bucket[i]);
	return n;
}

static void
render_requests(const struct metrics_shm *m, const struct metrics_names *n,
    FILE *f)
{
	char labels[256];
	size_t r, c;
	uint64_t v;

	family(f, "imagegen_http_requests_total", "counter", "HTTP requests "
	    "answered, by route pattern, method and status (a handed-off "
	    "generation counts when its wait ends).");
	for (r = 0; r < METRICS_ROUTES; r++) {
		route_labels(labels, sizeof(labels), n, r);
		for (c = 0; route_used(n, r) && c < METRICS_CODES; c++)
			if ((v = get(&m->c.requests[r][c])) > 0)
				fprintf(f, "imagegen_http_requests_total{%s,"
				    "code=\"%zu\"} %llu\n", labels, c +
				    METRICS_CODE_MIN, (unsigned long long)v);
	}
	family(f, "imagegen_http_handoffs_total", "counter", "Requests a "
	    "worker handed to the wait endpoint (nginx holds the client).");
	for (r = 0; r < METRICS_ROUTES; r++) {
		if (!route_used(n, r) || (v = get(&m->c.handoffs[r])) == 0)
			continue;
		route_labels(labels, sizeof(labels), n, r);
		fprintf(f, "imagegen_http_handoffs_total{%s} %llu\n", labels,
		    (unsigned long long)v);
	}
}

static void
render_request_time(const struct metrics_shm *m,
    const struct metrics_names *n, FILE *f)
{
	char labels[256];
	size_t r;

	family(f, "imagegen_http_request_duration_seconds", "histogram",
	    "Time from a request's arrival at a worker to its answer.");
	for (r = 0; r < METRICS_ROUTES; r++) {
		if (!route_used(n, r) || hist_count(&m->c.request_time[r]) == 0)
			continue;
		route_labels(labels, sizeof(labels), n, r);
		hist_render(f, "imagegen_http_request_duration_seconds",
		    labels, &m->c.request_time[r], request_bounds,
		    NELEM(request_bounds));
	}
}

static void
render_generations(const struct metrics_shm *m,
    const struct metrics_names *n, FILE *f)
{
	char labels[96];
	size_t p, g;
	uint64_t v;

	family(f, "imagegen_generations_total", "counter", "Finished "
	    "generations by the provider that made (or last tried) them and "
	    "how they ended.");
	for (p = 0; p < METRICS_PROVIDERS; p++)
		for (g = 0; prov_used(n, p) && g < METRICS_GEN__MAX; g++)
			if ((v = get(&m->c.generations[p][g])) > 0)
				fprintf(f, "imagegen_generations_total{provider="
				    "\"%s\",outcome=\"%s\"} %llu\n",
				    prov_name(n, p), gen_names[g],
				    (unsigned long long)v);
	family(f, "imagegen_generation_duration_seconds", "histogram",
	    "Time from a job's start on a runner to its end.");
	for (p = 0; p < METRICS_PROVIDERS; p++) {
		if (!prov_used(n, p) || hist_count(&m->c.generation_time[p]) ==
		    0)
			continue;
		snprintf(labels, sizeof(labels), "provider=\"%s\"",
		    prov_name(n, p));
		hist_render(f, "imagegen_generation_duration_seconds", labels,
		    &m->c.generation_time[p], generation_bounds,
		    NELEM(generation_bounds));
	}
}

static void
render_attempts(const struct metrics_shm *m, const struct metrics_names *n,
    FILE *f)
{
	size_t p, e, q;
	uint64_t v;

	family(f, "imagegen_provider_attempts_total", "counter", "Calls to a "
	    "provider (one per try) by outcome: ok or the error code.");
	for (p = 0; p < METRICS_PROVIDERS; p++)
		for (e = 0; prov_used(n, p) && e < ERR__MAX; e++)
			if ((v = get(&m->c.attempts[p][e])) > 0)
				fprintf(f, "imagegen_provider_attempts_total{"
				    "provider=\"%s\",outcome=\"%s\"} %llu\n",
				    prov_name(n, p), e == ERR_OK ? "ok" :
				    err_code((enum err)e),
				    (unsigned long long)v);
	family(f, "imagegen_fallbacks_total", "counter", "Generations that "
	    "moved on from one provider to the next.");
	for (p = 0; p < METRICS_PROVIDERS; p++)
		for (q = 0; prov_used(n, p) && q < METRICS_PROVIDERS; q++)
			if (prov_used(n, q) && (v = get(&m->c.fallbacks[p][q]))
			    > 0)
				fprintf(f, "imagegen_fallbacks_total{from=\"%s\","
				    "to=\"%s\"} %llu\n", prov_name(n, p),
				    prov_name(n, q), (unsigned long long)v);
}

/* A counter family with one series per optimization method. */
static void
render_by_method(FILE *f, const char *name, const char *help,
    const counter *v)
{
	size_t i;

	family(f, name, "counter", help);
	for (i = 0; i < METRICS_OPT__MAX; i++)
		fprintf(f, "%s{method=\"%s\"} %llu\n", name, opt_names[i],
		    (unsigned long long)get(&v[i]));
}

static void
render_prompts(const struct metrics_shm *m, FILE *f)
{
	render_by_method(f, "imagegen_prompt_optimizations_total", "Prompts "
	    "shortened, by the method that answered.", m->c.prompts);
	render_by_method(f, "imagegen_prompt_chars_saved_total", "Characters "
	    "removed from prompts, by method.", m->c.prompt_saved);
	family(f, "imagegen_prompt_ollama_fallbacks_total", "counter",
	    "Prompts the local compressor shortened in Ollama's place (its "
	    "fallback_reason says why).");
	fprintf(f, "imagegen_prompt_ollama_fallbacks_total %llu\n",
	    (unsigned long long)get(&m->c.prompt_fallbacks));
}

enum err
metrics_render(const struct metrics_shm *m, const struct metrics_names *n,
    FILE *f)
{
	if (m == NULL)
		return ERR_INTERNAL;
	render_requests(m, n, f);
	render_request_time(m, n, f);
	render_generations(m, n, f);
	render_attempts(m, n, f);
	render_prompts(m, f);
	metrics_gauge(f, "imagegen_metrics_reset_timestamp_seconds", "When "
	    "these counters last started from zero (the master's start).",
	    NULL, (double)get(&m->reset_at));
	return ferror(f) ? ERR_INTERNAL : ERR_OK;
}

void
metrics_gauge(FILE *f, const char *name, const char *help,
    const char *labels, double value)
{
	if (help != NULL)
		family(f, name, "gauge", help);
	fprintf(f, "%s%s%s%s %.17g\n", name, labels ? "{" : "",
	    labels ? labels : "", labels ? "}" : "", value);
}

void
metrics_route_label(const char *pattern, char *buf, size_t len)
{
	size_t o = 0;
	int depth = 0;
	const char *p;

	for (p = pattern; *p != '\0' && o + 5 < len; p++) {
		if (*p == '(' && depth++ == 0) {
			memcpy(buf + o, "{id}", 4);
			o += 4;
		} else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != '^' && *p != '$' && *p != '\\')
			buf[o++] = *p;
	}
	buf[o] = '\0';
}
