/*
 * lib/log/log.c - JSON lines to a file descriptor, redaction of secrets.
 * Not here: which events are logged (callers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/core/timeutil.h"
#include "lib/log/log.h"

#define REDACTED	"[redacted]"

void
log_init(struct log *l, int fd, const struct config *cfg, const char *role)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->role = role;
	l->level = cfg != NULL ? cfg->log_level : LOG_INFO;
	if (cfg != NULL)
		l->nsecrets = cfg_secrets(cfg, l->secrets, LOG_SECRETS_MAX);
}

void
log_set_request(struct log *l, const char *reqid)
{
	snprintf(l->reqid, sizeof(l->reqid), "%s", reqid ? reqid : "");
}

size_t
log_escape(char *buf, size_t len, const char *s)
{
	size_t o = 0;
	unsigned char c;

	if (len == 0)
		return 0;
	for (; (c = (unsigned char)*s) != '\0' && o + 7 < len; s++) {
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\u%04x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return o;
}

void
log_redact(const struct log *l, char *s, size_t cap)
{
	size_t i, slen, rlen = strlen(REDACTED);
	char *p;

	for (i = 0; i < l->nsecrets; i++) {
		slen = strlen(l->secrets[i]);
		while ((p = strstr(s, l->secrets[i])) != NULL) {
			size_t tail = strlen(p + slen);

			if ((size_t)(p - s) + rlen + tail + 1 > cap) {
				memset(p, '*', slen);
				continue;
			}
			memmove(p + rlen, p + slen, tail + 1);
			memcpy(p, REDACTED, rlen);
		}
	}
}

/* Writes the line prefix and body (already JSON) as one write(2). */
static void
log_emit(struct log *l, enum log_level lv, const char *fields)
{
	char line[LOG_LINE_MAX + 512], ts[32], rid[LOG_REQID_MAX * 2];
	int n;

	time_iso8601(ts, sizeof(ts));
	log_escape(rid, sizeof(rid), l->reqid);
	n = snprintf(line, sizeof(line),
	    "{\"ts\":\"%s\",\"level\":\"%s\",\"pid\":%ld,\"role\":\"%s\"%s%s%s,%s}\n",
	    ts, cfg_level_name(lv), (long)getpid(), l->role ? l->role : "",
	    rid[0] ? ",\"request_id\":\"" : "", rid, rid[0] ? "\"" : "",
	    fields);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (write(l->fd, line, (size_t)n) < 0)
		return;
}

void
log_write(struct log *l, enum log_level lv, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], esc[LOG_LINE_MAX + 16];
	va_list ap;

	if (lv < l->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_redact(l, msg, sizeof(msg));
	snprintf(esc, sizeof(esc), "\"msg\":\"");
	log_escape(esc + 7, sizeof(esc) - 9, msg);
	strcat(esc, "\"");
	log_emit(l, lv, esc);
}

void
log_config_warnings(struct log *l, const struct config *cfg)
{
	const char *p, *nl;

	for (p = cfg->warnings; p != NULL && *p != '\0'; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		log_warn(l, "configuration: %.*s", (int)(nl - p), p);
	}
}

void
log_access(struct log *l, const char *method, const char *path, int status,
    double ms, size_t bytes)
{
	char m[32], p[1024], fields[1200];

	if (LOG_INFO < l->level)
		return;
	log_escape(m, sizeof(m), method ? method : "");
	log_escape(p, sizeof(p), path ? path : "");
	snprintf(fields, sizeof(fields), "\"msg\":\"access\",\"method\":\"%s\","
	    "\"path\":\"%s\",\"status\":%d,\"ms\":%.3f,\"bytes\":%zu",
	    m, p, status, ms, bytes);
	log_emit(l, LOG_INFO, fields);
}
