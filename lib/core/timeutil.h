/*
 * lib/core/timeutil.h - clocks: monotonic milliseconds, wall time as ISO 8601.
 * Not here: timeouts policy (callers decide).
 */
#ifndef CORE_TIMEUTIL_H
#define CORE_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Monotonic clock in milliseconds / microseconds. */
int64_t	time_mono_ms(void);
int64_t	time_mono_us(void);
/* Wall clock in milliseconds since the epoch. */
int64_t	time_wall_ms(void);
/* "2026-11-24T14:22:40.123Z" into buf (at least 25 bytes). */
void	time_iso8601(char *buf, size_t len);

/* True for "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM[:SS[.f]]" with an optional
 * "Z" or "+HH:MM" / "-HH:MM" (HH <= 15), a day that exists in its month
 * (2026-02-31 does not): what PostgreSQL's timestamptz accepts. */
bool	time_iso_check(const char *s);
/* Wall time ms as "2026-11-24T14:22:40Z" into buf (>= 21 bytes). */
void	time_iso_from_ms(int64_t ms, char *buf, size_t len);
/* A duration "N" + one unit, s (seconds), m (minutes), h (hours) or d
 * (days), N a whole number >= 1 ("30d", "90m"), into *seconds; false for
 * anything else (no unit, "1.5h", "-2d", "3w", spaces, over 100 years). */
bool	time_duration_parse(const char *s, int64_t *seconds);

#endif
