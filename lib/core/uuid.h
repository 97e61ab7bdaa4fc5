/*
 * lib/core/uuid.h - random (v4) UUIDs as lowercase text, via libuuid.
 * Not here: parsing UUIDs from requests (see uuid_check).
 */
#ifndef CORE_UUID_H
#define CORE_UUID_H

#include <stdbool.h>

#define UUID_STRLEN	36

/* Writes a new random UUID and its NUL into out (37 bytes). */
void	uuid_make(char out[UUID_STRLEN + 1]);
/* True when s is a canonical 36-char UUID (any case). */
bool	uuid_check(const char *s);

#endif
