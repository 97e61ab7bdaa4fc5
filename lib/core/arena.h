/*
 * lib/core/arena.h - per-request bump allocator, freed in one call.
 * Not here: long-lived allocations (use malloc and a _free function).
 */
#ifndef CORE_ARENA_H
#define CORE_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block	*head;	/* newest block first */
	size_t			 total;	/* bytes handed out */
};

void	 arena_init(struct arena *a);
/* Frees every block; the arena can be used again afterwards. */
void	 arena_fini(struct arena *a);
/* Zeroed, 16-byte aligned memory valid until arena_fini(); NULL on OOM. */
void	*arena_alloc(struct arena *a, size_t n);
/* Copy of s (n bytes + NUL) in the arena; NULL on OOM or NULL s. */
char	*arena_strndup(struct arena *a, const char *s, size_t n);
char	*arena_strdup(struct arena *a, const char *s);
/* printf into the arena; NULL on OOM. */
char	*arena_printf(struct arena *a, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
