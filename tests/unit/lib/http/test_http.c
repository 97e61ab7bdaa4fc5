/*
 * tests/unit/lib/http/test_http.c - lib/http against a small forked
 * loopback server: concurrent transfers over curl multi really overlap,
 * each gets its own answer and Retry-After; refused connections, non-http
 * URLs, size caps and time-outs map to their errors; the blocking client
 * agrees with the multi one.
 * Not here: provider protocols (tests/unit/lib/providers).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "lib/core/timeutil.h"
#include "lib/http/http.h"

static pid_t server;
static int port;

/* Requests to /meet/ so far, shared by the server's children. */
static int *met;

/* GET /meet/N/I: counts itself, then waits (5 s at most) until N such
 * requests have arrived; "met I" when they did (they were in flight
 * together), "alone I" when not. */
static void
meet(const char *req, char *body, size_t len)
{
	int want = 0, id = 0, i;

	sscanf(req, "GET /meet/%d/%d", &want, &id);
	__atomic_add_fetch(met, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 500 && __atomic_load_n(met, __ATOMIC_SEQ_CST) < want;
	    i++)
		usleep(10000);
	snprintf(body, len, "%s %d", __atomic_load_n(met, __ATOMIC_SEQ_CST) >=
	    want ? "met" : "alone", id);
}

/* GET /sleep/N answers "slept N" after N ms; /big answers 64 KiB;
 * /busy answers 429 with Retry-After: 7; /meet/N/I see meet(). One
 * child per connection. */
static void
serve_one(int c)
{
	char req[2048], body[128], head[256];
	const char *extra = "";
	int status = 200, ms = 0;
	ssize_t n = read(c, req, sizeof(req) - 1);
	size_t blen;
	char *big = NULL;

	req[n > 0 ? n : 0] = '\0';
	if (sscanf(req, "GET /sleep/%d", &ms) == 1)
		usleep((useconds_t)ms * 1000);
	snprintf(body, sizeof(body), "slept %d", ms);
	if (strncmp(req, "GET /meet/", 10) == 0)
		meet(req, body, sizeof(body));
	blen = strlen(body);
	if (strncmp(req, "GET /busy", 9) == 0) {
		status = 429;
		extra = "Retry-After: 7\r\n";
	} else if (strncmp(req, "GET /big", 8) == 0) {
		blen = 65536;
		big = calloc(1, blen);
		memset(big, 'b', blen);
	}
	snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n%s\r\n", status, blen, extra);
	(void)!write(c, head, strlen(head));
	(void)!write(c, big ? big : body, blen);
	free(big);
}

static void
setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0), c, one = 1;

	met = mmap(NULL, sizeof(*met), PROT_READ | PROT_WRITE, MAP_SHARED |
	    MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(met, MAP_FAILED);
	*met = 0;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 64), 0);
	getsockname(s, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	if ((server = fork()) == 0) {
		signal(SIGCHLD, SIG_IGN);
		for (;;) {
			if ((c = accept(s, NULL, NULL)) < 0)
				continue;
			if (fork() == 0) {
				serve_one(c);
				_exit(0);
			}
			close(c);
		}
	}
	close(s);
}

static void
teardown(void)
{
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	munmap(met, sizeof(*met));
}

TestSuite(http, .init = setup, .fini = teardown);

static void
url(char *buf, size_t len, const char *path)
{
	snprintf(buf, len, "http://127.0.0.1:%d%s", port, path);
}

/* Runs the multi until every transfer in v is done (bounded). */
static void
run_all(struct http_multi *m, struct http_xfer *v, size_t n)
{
	int64_t end = time_mono_ms() + 10000;
	size_t i, done;

	do {
		cr_assert_eq(http_multi_run(m, 200, -1), ERR_OK);
		for (i = done = 0; i < n; i++)
			done += v[i].done;
	} while (done < n && time_mono_ms() < end);
	cr_assert_eq(done, n);
}

/* Six transfers the server answers only once all six have arrived: one
 * after another, each would wait alone (the time it takes is make
 * bench's). */
Test(http, multi_transfers_overlap)
{
	struct http_multi m;
	struct http_xfer v[6];
	struct http_request q;
	char u[6][96], want[32];
	size_t i;

	http_multi_init(&m);
	memset(v, 0, sizeof(v));
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "/meet/6/%zu", i);
		url(u[i], sizeof(u[i]), want);
		memset(&q, 0, sizeof(q));
		q.url = u[i];
		q.timeout_ms = 8000;
		cr_assert_eq(http_xfer_start(&m, &v[i], &q), ERR_OK);
	}
	run_all(&m, v, 6);
	for (i = 0; i < 6; i++) {
		snprintf(want, sizeof(want), "met %zu", i);
		cr_assert_eq(v[i].err, ERR_OK, "%s", v[i].why);
		cr_assert_eq(v[i].res.status, 200);
		cr_assert_str_eq(v[i].res.body, want);
		http_xfer_fini(&m, &v[i]);
	}
	cr_assert_eq(m.running, 0);
	http_multi_fini(&m);
}

Test(http, multi_maps_errors_per_transfer)
{
	struct http_multi m;
	struct http_xfer v[4];
	struct http_request q[4];
	char busy[96], big[96], slow[96];
	size_t i;

	http_multi_init(&m);
	memset(v, 0, sizeof(v));
	memset(q, 0, sizeof(q));
	url(busy, sizeof(busy), "/busy");
	url(big, sizeof(big), "/big");
	url(slow, sizeof(slow), "/sleep/3000");
	q[0].url = busy;
	q[1].url = big;
	q[1].max_bytes = 1024;
	q[1].is_image = true;
	q[2].url = slow;
	q[2].timeout_ms = 300;
	q[3].url = "ftp://127.0.0.1/x";
	for (i = 0; i < 3; i++)
		cr_assert_eq(http_xfer_start(&m, &v[i], &q[i]), ERR_OK);
	cr_assert_eq(http_xfer_start(&m, &v[3], &q[3]), ERR_INVALID_FIELD);
	cr_assert(v[3].done);
	run_all(&m, v, 4);
	cr_assert_eq(v[0].err, ERR_OK);
	cr_assert_eq(v[0].res.status, 429);
	cr_assert_eq(v[0].res.retry_after_s, 7);
	cr_assert_eq(v[1].err, ERR_IMAGE_TOO_LARGE, "%s", v[1].why);
	cr_assert_eq(v[2].err, ERR_TIMEOUT, "%s", v[2].why);
	for (i = 0; i < 4; i++)
		http_xfer_fini(&m, &v[i]);
	http_multi_fini(&m);
}

Test(http, blocking_client_agrees_and_refused_is_unavailable)
{
	struct http_client c;
	struct http_response res;
	struct http_request q;
	char u[96], why[256];

	http_client_init(&c);
	memset(&q, 0, sizeof(q));
	url(u, sizeof(u), "/sleep/1");
	q.url = u;
	cr_assert_eq(http_do(&c, &q, &res, why, sizeof(why)), ERR_OK, "%s",
	    why);
	cr_assert_str_eq(res.body, "slept 1");
	http_response_fini(&res);
	q.url = "http://127.0.0.1:1/";
	cr_assert_eq(http_do(&c, &q, &res, why, sizeof(why)),
	    ERR_PROVIDER_UNAVAILABLE);
	http_response_fini(&res);
	http_client_fini(&c);
}

Test(http, a_transfer_dropped_in_flight_is_detached)
{
	struct http_multi m;
	struct http_xfer x;
	struct http_request q;
	char u[96];

	http_multi_init(&m);
	memset(&x, 0, sizeof(x));
	memset(&q, 0, sizeof(q));
	url(u, sizeof(u), "/sleep/2000");
	q.url = u;
	cr_assert_eq(http_xfer_start(&m, &x, &q), ERR_OK);
	cr_assert_eq(http_multi_run(&m, 50, -1), ERR_OK);
	cr_assert(!x.done);
	http_xfer_fini(&m, &x);
	cr_assert_eq(m.running, 0);
	http_multi_fini(&m);
}

/* A listener nobody accepts on; true when a connection reached it. */
static int
listener(int *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(s, 8), 0);
	getsockname(s, (struct sockaddr *)&a, &len);
	*p = ntohs(a.sin_port);
	return s;
}

static bool
reached(int s)
{
	int c = accept(s, NULL, NULL);

	if (c >= 0)
		close(c);
	return c >= 0;
}

Test(http, public_only_refuses_internal_addresses_before_connecting)
{
	static const char *const hosts[] = { "127.0.0.1", "localhost",
	    "2130706433", "[::ffff:127.0.0.1]", "0x7f.1" };
	struct http_client c;
	struct http_response res;
	struct http_request q = { .public_only = true };
	char u[96], why[256];
	int s, p;
	size_t i;

	http_client_init(&c);
	s = listener(&p);
	for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		snprintf(u, sizeof(u), "http://%s:%d/latest/meta-data/",
		    hosts[i], p);
		q.url = u;
		cr_expect_eq(http_do(&c, &q, &res, why, sizeof(why)),
		    ERR_INVALID_FIELD, "%s: %s", u, why);
		cr_expect(strstr(why, "internal") != NULL, "%s: %s", u, why);
		http_response_fini(&res);
		cr_expect_not(reached(s), "%s: a connection reached it", u);
	}
	close(s);
	q.private_ok = "127.0.0.1";	/* a webhook receiver allowed */
	url(u, sizeof(u), "/sleep/1");
	q.url = u;
	cr_assert_eq(http_do(&c, &q, &res, why, sizeof(why)), ERR_OK, "%s",
	    why);
	http_response_fini(&res);
	http_client_fini(&c);
}
