/*
 * lib/core/timeutil.c - clock helpers over clock_gettime.
 * Not here: anything that sleeps.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/core/timeutil.h"
#include "lib/core/util.h"

int64_t
time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
time_mono_ms(void)
{
	return time_mono_us() / 1000;
}

int64_t
time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
time_iso8601(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", base, ts.tv_nsec / 1000000);
}

/* n digits at s; returns the value or -1. */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + s[i] - '0';
	}
	return v;
}

/* "", "Z" or an offset PostgreSQL takes ("+HH:MM", HH at most 15). */
static bool
iso_tail_ok(const char *s)
{
	if (*s == '\0' || (s[0] == 'Z' && s[1] == '\0'))
		return true;
	return (*s == '+' || *s == '-') && digits(s + 1, 2) >= 0 &&
	    digits(s + 1, 2) <= 15 && s[3] == ':' && digits(s + 4, 2) >= 0 &&
	    digits(s + 4, 2) < 60 && s[6] == '\0';
}

/* Days in month mo (1..12) of year y, leap years counted. */
static int
month_days(int y, int mo)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return mo == 2 && leap ? 29 : days[mo - 1];
}

bool
time_iso_check(const char *s)
{
	int y, mo, d, h, mi, sec = 0;

	if ((y = digits(s, 4)) < 1 || s[4] != '-' ||
	    (mo = digits(s + 5, 2)) < 1 || mo > 12 || s[7] != '-' ||
	    (d = digits(s + 8, 2)) < 1 || d > month_days(y, mo))
		return false;
	if (s[10] == '\0')
		return true;
	if ((s[10] != 'T' && s[10] != ' ') || (h = digits(s + 11, 2)) < 0 ||
	    h > 23 || s[13] != ':' || (mi = digits(s + 14, 2)) < 0 || mi > 59)
		return false;
	s += 16;
	if (*s == ':') {
		if ((sec = digits(s + 1, 2)) < 0 || sec > 60)
			return false;
		s += 3;
		if (*s == '.')
			for (s++; isdigit((unsigned char)*s); s++)
				continue;
	}
	return iso_tail_ok(s);
}

void
time_iso_from_ms(int64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Duration units and their length in seconds. */
static const struct {
	char	unit;
	int64_t	seconds;
} duration_units[] = {
	{ 's',	1 },
	{ 'm',	60 },
	{ 'h',	3600 },
	{ 'd',	86400 },
};

#define DURATION_MAX_S	(100LL * 366 * 86400)	/* 100 years */

bool
time_duration_parse(const char *s, int64_t *seconds)
{
	size_t n = strspn(s, "0123456789"), i;
	int64_t v = 0;

	if (n == 0 || n > 12 || s[n] == '\0' || s[n + 1] != '\0')
		return false;
	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	for (i = 0; i < NELEM(duration_units); i++) {
		if (duration_units[i].unit != s[n])
			continue;
		if (v < 1 || v > DURATION_MAX_S / duration_units[i].seconds)
			return false;
		*seconds = v * duration_units[i].seconds;
		return true;
	}
	return false;
}
