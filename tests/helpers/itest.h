/*
 * tests/helpers/itest.h - HTTP calls to the running test stack (libcurl)
 * and control of its parts (app/stack.sh) for integration tests.
 * Not here: in-process handler tests (testworker.h).
 */
#ifndef TESTS_ITEST_H
#define TESTS_ITEST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "lib/config/config.h"
#include "lib/db/db.h"
#include "lib/log/log.h"

struct itest_res {
	long	 status;
	char	*body;		/* NUL-terminated */
	size_t	 len;
	char	*headers;	/* raw header block, lower-cased names */
	json_t	*json;		/* parsed body, NULL if not JSON */
	double	 ms;
	int	 curl_err;	/* CURLcode; 0 = answered */
};

/* Base URL of the stack: $IMAGEGEN_TEST_URL or http://127.0.0.1:8013. */
const char	*itest_base(void);
/* method + path (joined to the base), extra headers ("Name: v", NULL-ended),
 * body (may be NULL) with length blen (or strlen when (size_t)-1). */
void		 itest_call(struct itest_res *r, const char *method,
		    const char *path, const char *const *headers,
		    const char *body, size_t blen);
void		 itest_get(struct itest_res *r, const char *path);
/* GET of path exactly as written ("/../", "%2e%2e" reach nginx as is). */
void		 itest_get_raw(struct itest_res *r, const char *path);
/* POST /unified/generate of body with Prefer: respond-async, which must
 * answer 202; its generation_id into id. */
void		 itest_submit_async(const char *body, char id[64]);
void		 itest_res_fini(struct itest_res *r);
/* Asserts r is HTTP status with a JSON error body of code and a message. */
void		 itest_assert_error(const struct itest_res *r, long status,
		    const char *code);
/* Expects (criterion cr_expect) r to have HTTP status and, unless code
 * is NULL, the error code; what names the case in a failure. */
void		 itest_expect_answer(const struct itest_res *r, long status,
		    const char *code, const char *what);
/* Value of a response header (case-insensitive), malloc'd, or NULL. */
char		*itest_header(const struct itest_res *r, const char *name);
/* A generation's attempts (metadata.attempts, or error.attempts of a
 * failed one), borrowed, or NULL. */
json_t		*itest_attempts(const struct itest_res *r);
/* String at a dotted path of the JSON body, borrowed, or NULL. */
const char	*itest_str(const struct itest_res *r, const char *path);
/* The test stack's sandbox port of a protocol: "leonardo", "runware",
 * "gemini", "comfyui", "ollama". */
int		 itest_sandbox_port(const char *kind);
/* A request straight to a sandbox protocol (not through nginx). */
void		 itest_sandbox_call(struct itest_res *r, const char *kind,
		    const char *method, const char *what, const char *body);
/* Sets the faults of a sandbox protocol (JSON text, "" resets them);
 * asserts the sandbox took them (it refuses an unknown key). */
void		 itest_fault(const char *kind, const char *json);
/* The last requests a sandbox protocol got (new reference, an array);
 * each has "seq" (numbered from 1, never reset) and "t_ms" (wall clock
 * when the sandbox got it). */
json_t		*itest_sandbox_requests(const char *kind);
/* The seq of the last request the protocol got (0: none yet). */
long long	 itest_sandbox_seq(const char *kind);
/* Its requests after seq (new reference, an array). */
json_t		*itest_sandbox_since(const char *kind, long long seq);
/* How many protocol requests the sandbox of kind is serving now. */
int		 itest_sandbox_in_flight(const char *kind);
/* Resets the faults of every protocol and polls (bounded) until no
 * circuit is open, no place held and no sandbox call in flight. */
void		 itest_faults_clear(void);
/* How many of those requests had method and a path starting with path. */
size_t		 itest_sandbox_count(const char *kind, const char *method,
		    const char *path);
/* The most requests the sandbox protocol kind served at once since the
 * last reset; reset true starts counting anew. */
int		 itest_sandbox_concurrency(const char *kind, bool reset);
/* Empties that log. */
void		 itest_sandbox_forget(const char *kind);
/* Resets the faults of every protocol, without waiting for circuits. */
void		 itest_faults_reset(void);
/* Empties the request log of every protocol. */
void		 itest_sandbox_forget_all(void);
/* How many requests every protocol's log holds, summed. */
size_t		 itest_sandbox_total(void);
/* Opens db on the test stack's database ($IMAGEGEN_TEST_DB), with cfg
 * loaded from the environment and lg writing to stderr. ERR_OK, or the
 * configuration error (its message printed). Close with itest_db_close(). */
enum err	 itest_db_open(struct config *cfg, struct log *lg,
		    struct db *db);
void		 itest_db_close(struct config *cfg, struct db *db);
/* Runs statement q on db, asserting it succeeds. */
void		 itest_sql(struct db *db, const char *q);
/* Keeps a copy of provider_configs (tests that edit it) and puts it
 * back, on db (itest_db_open()). */
void		 itest_configs_save(struct db *db);
void		 itest_configs_restore(struct db *db);
/* Makes project id (when missing) in the test database: a keyed request
 * naming a project never makes it. */
void		 itest_project_make(const char *id);
/* Runs "sh app/stack.sh CMD test"; returns its exit status. */
int		 itest_stack(const char *cmd);
/* Path under the test stack's var directory (static buffer). */
const char	*itest_var(const char *rel);
/* Runs "node SCRIPT BASE_URL KEY" in tests/node (a client pointed at the
 * stack with the test key), its output and errors into out (NUL-ended,
 * cut at len); returns pclose()'s status. */
int		 itest_node_client(const char *script, char *out, size_t len);

#endif
