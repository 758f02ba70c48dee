/* An arena for data that lives and dies together (a loaded catalogue, a scenario). */
#ifndef LT_ARENA_H
#define LT_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);
void arena_free(struct arena *a);
/* Zeroed memory; exits on out of memory. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
/*
 * Grow an array to new_count elements (zeroed beyond old_count). old is NULL (old_count 0)
 * or an array that arena_grow returned for old_count elements: it has spare room, so a
 * growing array is copied only when its capacity doubles (old blocks stay in the arena).
 */
void *arena_grow(struct arena *a, void *old, size_t old_count, size_t new_count, size_t elem);

#endif
