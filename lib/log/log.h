/*
 * lib/log/log.h - JSON-lines logger: one line per event, one write(2) each,
 * with level, time, pid and the current request id; secrets redacted.
 * Not here: choosing the file (app/ passes an fd), log rotation.
 */
#ifndef LOG_LOG_H
#define LOG_LOG_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/config/config.h"

#define LOG_SECRETS_MAX	8
#define LOG_LINE_MAX	4096
#define LOG_REQID_MAX	128

struct log {
	int		 fd;
	long		 level;		/* enum log_level: minimum written */
	const char	*secrets[LOG_SECRETS_MAX];	/* borrowed */
	size_t		 nsecrets;
	char		 reqid[LOG_REQID_MAX + 1];	/* "" outside requests */
	const char	*role;		/* "master" / "worker" */
};

/* Sets up l to write to fd; secrets (borrowed) come from cfg. */
void	log_init(struct log *l, int fd, const struct config *cfg,
	    const char *role);
/* Request id added to each following line ("" or NULL clears it). */
void	log_set_request(struct log *l, const char *reqid);
/* printf-style message, JSON-escaped and redacted. */
void	log_write(struct log *l, enum log_level lv, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Each line of cfg->warnings (unknown .env keys) as a warn line. */
void	log_config_warnings(struct log *l, const struct config *cfg);
/* What the per-request line says; NULL strings are left out. */
struct log_access {
	const char	*method;
	const char	*route;		/* the route's pattern label */
	const char	*path;
	int		 status;
	double		 ms;
	size_t		 bytes;
	const char	*job_id;	/* the job (or batch) it is about */
	const char	*provider;
	const char	*handoff;	/* "wait": nginx holds the client */
};

/* One line per request at info level: "msg":"request" and a's fields
 * (with the current request id, as every line). */
void	log_access(struct log *l, const struct log_access *a);
/* Escapes s as JSON string content into buf; returns bytes written. */
size_t	log_escape(char *buf, size_t len, const char *s);
/* Replaces in s (in place) by "[redacted]" (or '*'s when that does not
 * fit in cap): each configured secret, URL credentials (user:pass@),
 * key=, token=, api_key=, password=... parameters and Bearer tokens. */
void	log_redact(const struct log *l, char *s, size_t cap);

#define log_debug(l, ...)	log_write((l), LOG_DEBUG, __VA_ARGS__)
#define log_info(l, ...)	log_write((l), LOG_INFO, __VA_ARGS__)
#define log_warn(l, ...)	log_write((l), LOG_WARN, __VA_ARGS__)
#define log_error(l, ...)	log_write((l), LOG_ERROR, __VA_ARGS__)

#endif
