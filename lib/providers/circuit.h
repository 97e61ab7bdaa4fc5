/*
 * lib/providers/circuit.h - per-provider circuit breaker, rate limit and
 * cap on calls in flight, shared by every process of a host (workers and
 * runner): one shared mapping of CIRCUIT_FILE (anonymous in unit tests),
 * guarded by one process-shared robust mutex.
 * Not here: deciding what a failure is (engine.c), provider order.
 */
#ifndef PROVIDERS_CIRCUIT_H
#define PROVIDERS_CIRCUIT_H

#include <stdbool.h>
#include <stdint.h>

#define CIRCUIT_SLOTS		8
#define CIRCUIT_NAME_MAX	31
#define CIRCUIT_HOLD_MAX	64	/* most calls in flight per provider */

enum circuit_state {
	CIRCUIT_CLOSED = 0,	/* traffic flows */
	CIRCUIT_OPEN,		/* skipped until open_until */
	CIRCUIT_HALF_OPEN	/* one trial request in flight */
};

struct circuit_view {
	enum circuit_state	 state;
	int			 failures;	/* consecutive */
	int64_t			 open_until_ms;	/* wall clock, 0 if closed */
	int			 used_this_minute;
	int64_t			 opened_total;
	int			 in_flight;	/* places held */
};

struct circuit_shm;

/* Maps the shared state (before fork). NULL on failure. */
struct circuit_shm	*circuit_shm_new(void);
/* Maps the state kept in file path (created when missing), shared by
 * every process on this host that opens it: the master's workers and the
 * runner; NULL or "" maps anonymous memory as circuit_shm_new().
 * NULL on failure (errno set). Free with circuit_shm_free(). */
struct circuit_shm	*circuit_shm_open(const char *path);
void			 circuit_shm_free(struct circuit_shm *c);
/*
 * May a request go to provider name now? false while the circuit is open
 * (or a half-open trial is already in flight); *retry_at_ms (wall clock)
 * then says when it may. The first call after the cooldown becomes the
 * trial (half-open) and gets true.
 */
bool			 circuit_allow(struct circuit_shm *c, const char *name,
			    int64_t now_ms, int64_t *retry_at_ms);
/*
 * Records an outcome: success closes the circuit; the threshold-th
 * consecutive failure (or a failed trial) opens it for cooldown_ms.
 */
void			 circuit_record(struct circuit_shm *c, const char *name,
			    bool ok, int threshold, int64_t cooldown_ms,
			    int64_t now_ms);
/*
 * Takes one request from the provider's per-minute budget (per_min 0 =
 * unlimited). false when spent; *retry_at_ms = start of the next minute
 * window.
 */
bool			 circuit_rate_take(struct circuit_shm *c,
			    const char *name, int per_min, int64_t now_ms,
			    int64_t *retry_at_ms);
/*
 * Takes one of the provider's max places for a call in flight (max 0 =
 * no cap, then *place = -1; max is capped at CIRCUIT_HOLD_MAX), held for
 * process pid. false when all are held; places whose process is gone
 * (killed worker) are freed first. Give it back with circuit_release().
 */
bool			 circuit_hold(struct circuit_shm *c, const char *name,
			    int max, int pid, int *place);
/* Opens the circuit of name until until_ms (wall clock) when it is
 * closed or would close sooner: another host opened it. */
void			 circuit_force_open(struct circuit_shm *c,
			    const char *name, int64_t until_ms);
/* Gives place back (-1: nothing to do). */
void			 circuit_release(struct circuit_shm *c,
			    const char *name, int place);
/* A copy of the provider's state for /unified/providers. */
void			 circuit_view_get(struct circuit_shm *c,
			    const char *name, int64_t now_ms,
			    struct circuit_view *out);
/* "closed" / "open" / "half_open". */
const char		*circuit_state_name(enum circuit_state s);

#endif
