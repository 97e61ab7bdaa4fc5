/*
 * app/master.c - prefork process management with sigtimedwait().
 * Not here: request handling (worker.c, serve.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/master.h"
#include "app/worker.h"
#include "lib/core/timeutil.h"
#include "lib/core/util.h"
#include "lib/log/log.h"
#include "lib/metrics/metrics.h"
#include "lib/providers/circuit.h"

#define SLOTS_MAX	256
#define RETIRED_MAX	1024

struct slot {
	pid_t		pid;		/* 0 = empty, waiting for respawn_at */
	int64_t		started_ms;
	int64_t		respawn_at_ms;
};

struct retired {
	pid_t		pid;
	int64_t		kill_at_ms;	/* SIGKILL if still alive then */
};

struct master {
	struct config	*cfg;
	const char	*envfile;
	struct log	 log;
	struct slot	 slots[SLOTS_MAX];
	long		 nslots;
	struct retired	 retired[RETIRED_MAX];
	size_t		 nretired;
	int		 quick_deaths;	/* consecutive */
	int64_t		 started_wall_ms;
	sigset_t	 mask;
	int		 logfd;		/* LOG_FILE, or standard error */
	struct circuit_shm *circuits;	/* shared with every worker */
	struct metrics_shm *metrics;	/* the same */
};

int
master_log_open(const struct config *cfg)
{
	int fd;

	if (cfg->log_file[0] == '\0' || strcmp(cfg->log_file, "-") == 0)
		return STDERR_FILENO;
	fd = open(cfg->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	if (fd < 0)
		fprintf(stderr, "imagegen: LOG_FILE %s: %s; logging to "
		    "standard error\n", cfg->log_file, strerror(errno));
	return fd < 0 ? STDERR_FILENO : fd;
}

static void
master_log_reopen(struct master *m)
{
	int fd = master_log_open(m->cfg);

	if (m->logfd != STDERR_FILENO)
		close(m->logfd);
	m->logfd = fd;
	log_init(&m->log, m->logfd, m->cfg, "master");
	log_config_warnings(&m->log, m->cfg);
}

static void
master_spawn(struct master *m, struct slot *s)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error(&m->log, "fork failed: %s; retrying in 1 s",
		    strerror(errno));
		s->pid = 0;
		s->respawn_at_ms = time_mono_ms() + 1000;
		return;
	}
	if (pid == 0) {
		worker_run(m->cfg, m->logfd, m->started_wall_ms, m->circuits,
		    m->metrics);
	}
	s->pid = pid;
	s->started_ms = time_mono_ms();
	s->respawn_at_ms = 0;
}

static void
master_retire(struct master *m, pid_t pid)
{
	if (m->nretired == RETIRED_MAX) {
		log_warn(&m->log, "worker %ld not waited for (%d already "
		    "stopping); killing it", (long)pid, RETIRED_MAX);
		kill(pid, SIGKILL);
		return;
	}
	kill(pid, SIGTERM);
	m->retired[m->nretired].pid = pid;
	m->retired[m->nretired].kill_at_ms = time_mono_ms() +
	    m->cfg->graceful_timeout_s * 1000;
	m->nretired++;
}

static int
master_forget_retired(struct master *m, pid_t pid)
{
	size_t i;

	for (i = 0; i < m->nretired; i++)
		if (m->retired[i].pid == pid) {
			m->retired[i] = m->retired[--m->nretired];
			return 1;
		}
	return 0;
}

int64_t
master_respawn_delay(int *quick_deaths, int clean, int64_t lived_ms)
{
	if (clean || lived_ms >= QUICK_DEATH_MS) {
		*quick_deaths = 0;
		return 0;
	}
	(*quick_deaths)++;
	return MIN((int64_t)BACKOFF_MIN_MS << MIN(*quick_deaths - 1, 10),
	    BACKOFF_MAX_MS);
}

/* A slot's worker ended: schedule its respawn, with back-off if quick. */
static void
master_slot_died(struct master *m, struct slot *s, int status)
{
	int64_t now = time_mono_ms(), lived = now - s->started_ms, delay;
	int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	delay = master_respawn_delay(&m->quick_deaths, clean, lived);
	if (clean)
		log_info(&m->log, "worker %ld exited (recycled); respawning",
		    (long)s->pid);
	else
		log_warn(&m->log, "worker %ld died (%s %d) after %lld ms; "
		    "respawning in %lld ms", (long)s->pid,
		    WIFSIGNALED(status) ? "signal" : "exit status",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
		    (long long)lived, (long long)delay);
	s->pid = 0;
	s->respawn_at_ms = now + delay;
}

static void
master_reap(struct master *m)
{
	pid_t pid;
	int status;
	long i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (master_forget_retired(m, pid))
			continue;
		for (i = 0; i < m->nslots; i++)
			if (m->slots[i].pid == pid) {
				master_slot_died(m, &m->slots[i], status);
				break;
			}
	}
}

/* Spawns due slots, kills overdue retirees; returns ms to next event. */
static int64_t
master_tick(struct master *m)
{
	int64_t now = time_mono_ms(), next = 1000;
	size_t i;
	long k;

	for (k = 0; k < m->nslots; k++) {
		struct slot *s = &m->slots[k];

		if (s->pid != 0)
			continue;
		if (s->respawn_at_ms <= now)
			master_spawn(m, s);
		else
			next = MIN(next, s->respawn_at_ms - now);
	}
	for (i = 0; i < m->nretired; i++) {
		if (m->retired[i].kill_at_ms <= now) {
			log_warn(&m->log, "worker %ld did not stop in time; "
			    "killing it", (long)m->retired[i].pid);
			kill(m->retired[i].pid, SIGKILL);
			m->retired[i].kill_at_ms = now + 1000;
		}
		next = MIN(next, MAX(m->retired[i].kill_at_ms - now, 1));
	}
	return next;
}

/* SIGHUP: re-read config, retire every worker, start a new generation. */
static void
master_reload(struct master *m)
{
	struct config fresh;
	char why[512];
	long k;

	if (cfg_load(&fresh, m->envfile, why, sizeof(why)) != ERR_OK) {
		log_error(&m->log, "reload refused, keeping the running "
		    "configuration: %s", why);
		return;
	}
	for (k = 0; k < m->nslots; k++)
		if (m->slots[k].pid != 0)
			master_retire(m, m->slots[k].pid);
	cfg_fini(m->cfg);
	*m->cfg = fresh;
	master_log_reopen(m);	/* also how logs are rotated */
	m->nslots = MIN(cfg_workers(m->cfg), SLOTS_MAX);
	memset(m->slots, 0, sizeof(m->slots));
	m->quick_deaths = 0;
	log_info(&m->log, "reloaded: %ld new workers take over", m->nslots);
}

/* SIGTERM: every worker finishes its request, then we exit. */
static int
master_stop(struct master *m)
{
	long k;

	for (k = 0; k < m->nslots; k++)
		if (m->slots[k].pid != 0)
			master_retire(m, m->slots[k].pid);
	m->nslots = 0;
	log_info(&m->log, "stopping: waiting for %zu workers", m->nretired);
	while (m->nretired > 0) {
		struct timespec ts = { 0, 100 * 1000000L };

		master_tick(m);
		(void)sigtimedwait(&m->mask, NULL, &ts);
		master_reap(m);
	}
	log_info(&m->log, "stopped");
	return 0;
}

static void
master_block_signals(struct master *m)
{
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&m->mask);
	sigaddset(&m->mask, SIGCHLD);
	sigaddset(&m->mask, SIGHUP);
	sigaddset(&m->mask, SIGTERM);
	sigaddset(&m->mask, SIGINT);
	sigaddset(&m->mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &m->mask, NULL);
}

int
master_run(struct config *cfg, const char *envfile)
{
	struct master m;
	struct timespec ts;
	int64_t wait_ms;
	int sig;

	memset(&m, 0, sizeof(m));
	m.cfg = cfg;
	m.envfile = envfile;
	m.started_wall_ms = time_wall_ms();
	m.nslots = MIN(cfg_workers(cfg), SLOTS_MAX);
	m.logfd = STDERR_FILENO;
	master_log_reopen(&m);
	if ((m.circuits = circuit_shm_open(cfg->circuit_file)) == NULL) {
		log_warn(&m.log, "CIRCUIT_FILE %s: %s; the circuit state is "
		    "not shared with the runner", cfg->circuit_file,
		    strerror(errno));
		m.circuits = circuit_shm_new();
	}
	if (m.circuits == NULL) {
		log_error(&m.log, "cannot map the shared circuit state");
		return 71;
	}
	/* The counters start from zero with the service (a reset). */
	if ((m.metrics = metrics_shm_open(cfg->metrics_file, true)) == NULL) {
		log_warn(&m.log, "METRICS_FILE %s: %s; the runner's counters "
		    "are not in GET /metrics", cfg->metrics_file,
		    strerror(errno));
		m.metrics = metrics_shm_open(NULL, true);
	}
	master_block_signals(&m);
	log_info(&m.log, "master started: %ld workers, pid %ld", m.nslots,
	    (long)getpid());
	for (;;) {
		wait_ms = master_tick(&m);
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000L;
		sig = sigtimedwait(&m.mask, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT)
			return master_stop(&m);
		if (sig == SIGHUP)
			master_reload(&m);
		master_reap(&m);
	}
}
