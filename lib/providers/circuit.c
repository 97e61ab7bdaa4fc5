/*
 * lib/providers/circuit.c - shared circuit breaker, per-minute rate limit
 * and places for calls in flight, over an anonymous MAP_SHARED mapping
 * with a process-shared mutex.
 * Not here: policy (thresholds come from config; engine.c decides).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include "lib/core/shmfile.h"
#include "lib/providers/circuit.h"

#define MINUTE_MS	60000
#define TRIAL_MAX_MS	60000	/* a trial never reported (its worker died)
				   gives way to another after this */

struct circuit_slot {
	char			name[CIRCUIT_NAME_MAX + 1];	/* "" = free */
	enum circuit_state	state;
	int			failures;
	int64_t			open_until_ms;
	int64_t			opened_total;
	int64_t			trial_at_ms;	/* half-open since */
	int64_t			window_start_ms;
	int			window_used;
	int			holders[CIRCUIT_HOLD_MAX];	/* pid, 0 = free */
};

#define CIRCUIT_MAGIC	0x43495231u	/* "CIR1": layout version */

struct circuit_shm {
	pthread_mutex_t		lock;
	unsigned		magic;	/* set once initialized (file maps) */
	struct circuit_slot	slots[CIRCUIT_SLOTS];
};

static void
shm_setup(struct circuit_shm *c)
{
	pthread_mutexattr_t a;

	memset(c, 0, sizeof(*c));
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&c->lock, &a);
	pthread_mutexattr_destroy(&a);
	c->magic = CIRCUIT_MAGIC;
}

/* Under the file's lock: set up when new or of another layout. */
static void
shm_init(void *p, void *arg)
{
	struct circuit_shm *c = p;

	(void)arg;
	if (c->magic != CIRCUIT_MAGIC)
		shm_setup(c);
}

struct circuit_shm *
circuit_shm_new(void)
{
	return shmfile_map(NULL, sizeof(struct circuit_shm), shm_init, NULL);
}

struct circuit_shm *
circuit_shm_open(const char *path)
{
	return shmfile_map(path, sizeof(struct circuit_shm), shm_init, NULL);
}

void
circuit_shm_free(struct circuit_shm *c)
{
	shmfile_unmap(c, sizeof(*c));
}

/* A worker killed while holding the lock leaves it consistent: the
 * critical sections only store whole fields. */
static void
circuit_lock(struct circuit_shm *c)
{
	if (pthread_mutex_lock(&c->lock) == EOWNERDEAD)
		pthread_mutex_consistent(&c->lock);
}

/* The slot of name, created on first use; NULL when all are taken. */
static struct circuit_slot *
circuit_slot(struct circuit_shm *c, const char *name)
{
	size_t i;

	for (i = 0; i < CIRCUIT_SLOTS; i++)
		if (strcmp(c->slots[i].name, name) == 0)
			return &c->slots[i];
	for (i = 0; i < CIRCUIT_SLOTS; i++)
		if (c->slots[i].name[0] == '\0') {
			snprintf(c->slots[i].name, sizeof(c->slots[i].name),
			    "%s", name);
			return &c->slots[i];
		}
	return NULL;
}

bool
circuit_allow(struct circuit_shm *c, const char *name, int64_t now_ms,
    int64_t *retry_at_ms)
{
	struct circuit_slot *s;
	bool ok = true;

	*retry_at_ms = 0;
	circuit_lock(c);
	if ((s = circuit_slot(c, name)) == NULL)
		goto out;
	if ((s->state == CIRCUIT_OPEN && now_ms >= s->open_until_ms) ||
	    (s->state == CIRCUIT_HALF_OPEN &&
	    now_ms - s->trial_at_ms >= TRIAL_MAX_MS)) {
		s->state = CIRCUIT_HALF_OPEN;	/* this caller is the trial */
		s->trial_at_ms = now_ms;
	} else if (s->state != CIRCUIT_CLOSED) {
		ok = false;
		*retry_at_ms = s->open_until_ms > now_ms ? s->open_until_ms :
		    now_ms + 1000;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void
circuit_record(struct circuit_shm *c, const char *name, bool ok,
    int threshold, int64_t cooldown_ms, int64_t now_ms)
{
	struct circuit_slot *s;

	circuit_lock(c);
	if ((s = circuit_slot(c, name)) == NULL)
		goto out;
	if (ok) {
		s->state = CIRCUIT_CLOSED;
		s->failures = 0;
		s->open_until_ms = 0;
		goto out;
	}
	s->failures++;
	if (s->state == CIRCUIT_HALF_OPEN || s->failures >= threshold) {
		s->state = CIRCUIT_OPEN;
		s->open_until_ms = now_ms + cooldown_ms;
		s->opened_total++;
	}
out:
	pthread_mutex_unlock(&c->lock);
}

bool
circuit_rate_take(struct circuit_shm *c, const char *name, int per_min,
    int64_t now_ms, int64_t *retry_at_ms)
{
	struct circuit_slot *s;
	bool ok = true;

	*retry_at_ms = 0;
	if (per_min <= 0)
		return true;
	circuit_lock(c);
	if ((s = circuit_slot(c, name)) == NULL)
		goto out;
	if (now_ms - s->window_start_ms >= MINUTE_MS) {
		s->window_start_ms = now_ms - now_ms % MINUTE_MS;
		s->window_used = 0;
	}
	if (s->window_used >= per_min) {
		ok = false;
		*retry_at_ms = s->window_start_ms + MINUTE_MS;
	} else
		s->window_used++;
out:
	pthread_mutex_unlock(&c->lock);
	return ok;
}

/* Places held, after freeing those of processes that are gone. */
static int
holders_live(struct circuit_slot *s, int max)
{
	int i, n = 0;

	for (i = 0; i < max; i++) {
		if (s->holders[i] != 0 && kill(s->holders[i], 0) == -1 &&
		    errno == ESRCH)
			s->holders[i] = 0;
		n += s->holders[i] != 0;
	}
	return n;
}

bool
circuit_hold(struct circuit_shm *c, const char *name, int max, int pid,
    int *place)
{
	struct circuit_slot *s;
	bool ok = true;
	int i;

	*place = -1;
	if (max <= 0)
		return true;
	max = max < CIRCUIT_HOLD_MAX ? max : CIRCUIT_HOLD_MAX;
	circuit_lock(c);
	if ((s = circuit_slot(c, name)) == NULL)
		goto out;
	for (i = 0; i < max && s->holders[i] != 0; i++)
		continue;
	if (i == max && holders_live(s, max) < max)
		for (i = 0; i < max && s->holders[i] != 0; i++)
			continue;
	if (i == max)
		ok = false;
	else {
		s->holders[i] = pid;
		*place = i;
	}
out:
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void
circuit_force_open(struct circuit_shm *c, const char *name, int64_t until_ms)
{
	struct circuit_slot *s;

	circuit_lock(c);
	if ((s = circuit_slot(c, name)) != NULL && s->state !=
	    CIRCUIT_HALF_OPEN && s->open_until_ms < until_ms) {
		if (s->state == CIRCUIT_CLOSED)
			s->opened_total++;
		s->state = CIRCUIT_OPEN;
		s->open_until_ms = until_ms;
	}
	pthread_mutex_unlock(&c->lock);
}

void
circuit_release(struct circuit_shm *c, const char *name, int place)
{
	struct circuit_slot *s;

	if (place < 0 || place >= CIRCUIT_HOLD_MAX)
		return;
	circuit_lock(c);
	if ((s = circuit_slot(c, name)) != NULL)
		s->holders[place] = 0;
	pthread_mutex_unlock(&c->lock);
}

void
circuit_view_get(struct circuit_shm *c, const char *name, int64_t now_ms,
    struct circuit_view *out)
{
	struct circuit_slot *s;

	memset(out, 0, sizeof(*out));
	circuit_lock(c);
	if ((s = circuit_slot(c, name)) != NULL) {
		out->state = s->state;
		out->failures = s->failures;
		out->open_until_ms = s->state == CIRCUIT_CLOSED ? 0 :
		    s->open_until_ms;
		out->used_this_minute = now_ms - s->window_start_ms <
		    MINUTE_MS ? s->window_used : 0;
		out->opened_total = s->opened_total;
		out->in_flight = holders_live(s, CIRCUIT_HOLD_MAX);
	}
	pthread_mutex_unlock(&c->lock);
}

const char *
circuit_state_name(enum circuit_state s)
{
	static const char *const names[] = {
		[CIRCUIT_CLOSED] = "closed", [CIRCUIT_OPEN] = "open",
		[CIRCUIT_HALF_OPEN] = "half_open",
	};

	return (unsigned)s < 3 ? names[s] : "unknown";
}
