/*
 * lib/log/log.c - JSON lines to a file descriptor, redaction of secrets.
 * Not here: which events are logged (callers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"
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

/* Replaces s[a..b) of the string at s (cap bytes) by REDACTED, or by
 * '*'s when that does not fit; returns the offset just after it. */
static size_t
redact_span(char *s, size_t cap, size_t a, size_t b)
{
	size_t rlen = strlen(REDACTED), tail = strlen(s + b);

	if (b - a == rlen && memcmp(s + a, REDACTED, rlen) == 0)
		return b;
	if (a + rlen + tail + 1 > cap) {
		memset(s + a, '*', b - a);
		return b;
	}
	memmove(s + a + rlen, s + b, tail + 1);
	memcpy(s + a, REDACTED, rlen);
	return a + rlen;
}

/* scheme://user:pass@host -> scheme://[redacted]@host */
static void
redact_userinfo(char *s, size_t cap)
{
	size_t o = 0, a, end, at;
	char *p;

	while ((p = strstr(s + o, "://")) != NULL) {
		a = (size_t)(p - s) + 3;
		end = a + strcspn(s + a, "/?# \t\n\"'<>");
		for (at = end; at > a && s[at - 1] != '@'; at--)
			continue;
		o = at > a ? redact_span(s, cap, a, at - 1) : end;
	}
}

/* Query or libpq parameters whose value is a credential. */
static const char *const secret_params[] = { "key", "api_key", "apikey",
    "token", "access_token", "password", "secret", NULL };

/* name=value (after start, ?, &, ; or a blank) -> name=[redacted] */
static void
redact_params(char *s, size_t cap)
{
	size_t i, n, k, v;

	for (i = 0; s[i] != '\0'; i++) {
		if (i > 0 && strchr("?&; \t", s[i - 1]) == NULL)
			continue;
		for (k = 0; secret_params[k] != NULL; k++) {
			n = strlen(secret_params[k]);
			if (strncasecmp(s + i, secret_params[k], n) != 0 ||
			    s[i + n] != '=')
				continue;
			v = i + n + 1;
			if ((n = strcspn(s + v, "& \t\n\"',;#")) > 0)
				i = redact_span(s, cap, v, v + n) - 1;
			break;
		}
	}
}

/* "Bearer <token>" -> "Bearer [redacted]" */
static void
redact_bearer(char *s, size_t cap)
{
	size_t o = 0, a, n;
	char *p;

	while ((p = strcasestr(s + o, "bearer ")) != NULL) {
		a = (size_t)(p - s) + 7;
		n = strspn(s + a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-._~+/=");
		o = n > 0 ? redact_span(s, cap, a, a + n) : a;
	}
}

void
log_redact(const struct log *l, char *s, size_t cap)
{
	size_t i, o, slen;
	char *p;

	for (i = 0; i < l->nsecrets; i++) {
		slen = strlen(l->secrets[i]);
		for (o = 0; slen > 0 && (p = strstr(s + o, l->secrets[i])) !=
		    NULL; )
			o = redact_span(s, cap, (size_t)(p - s),
			    (size_t)(p - s) + slen);
	}
	redact_userinfo(s, cap);
	redact_params(s, cap);
	redact_bearer(s, cap);
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

	for (p = cfg->warnings; p != NULL && *p != '\0';
	    p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		log_warn(l, "configuration: %.*s", (int)(nl - p), p);
	}
}

/* ,"key":"escaped value" appended at o of buf (len); v NULL: nothing. */
static size_t
log_field(char *buf, size_t len, size_t o, const char *key, const char *v)
{
	char esc[1024];

	if (v == NULL || o >= len)
		return o;
	log_escape(esc, sizeof(esc), v);
	o += (size_t)snprintf(buf + o, len - o, ",\"%s\":\"%s\"", key, esc);
	return MIN(o, len);
}

void
log_access(struct log *l, const struct log_access *a)
{
	char fields[2400];
	size_t o;

	if (LOG_INFO < l->level)
		return;
	o = (size_t)snprintf(fields, sizeof(fields), "\"msg\":\"request\"");
	o = log_field(fields, sizeof(fields), o, "method", a->method);
	o = log_field(fields, sizeof(fields), o, "route", a->route);
	o = log_field(fields, sizeof(fields), o, "path", a->path);
	if (o < sizeof(fields))
		o += (size_t)snprintf(fields + o, sizeof(fields) - o,
		    ",\"status\":%d,\"ms\":%.3f,\"bytes\":%zu", a->status,
		    a->ms, a->bytes);
	o = log_field(fields, sizeof(fields), MIN(o, sizeof(fields)),
	    "job_id", a->job_id);
	o = log_field(fields, sizeof(fields), o, "provider", a->provider);
	(void)log_field(fields, sizeof(fields), o, "handoff", a->handoff);
	log_emit(l, LOG_INFO, fields);
}
