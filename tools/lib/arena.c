/* Arena allocator: a list of blocks freed at once. */
#include "arena.h"
#include "msg.h"
#include "wrapper.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct block {
	struct block *next;
	size_t used, size;
	max_align_t data[];
};

struct arena {
	struct block *head;
};

struct arena *arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	return a;
}

void arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	for (struct block *b = a->head, *next; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	const size_t align = sizeof(max_align_t);
	struct block *b = a->head;

	size = (size + align - 1) / align * align;
	if (size == 0)
		size = align;
	if (b == NULL || b->size - b->used < size) {
		size_t bsize = size > 16384 ? size : 16384;
		b = xmalloc(sizeof(*b) + bsize);
		b->used = 0;
		b->size = bsize;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = arena_alloc(a, n);

	memcpy(p, s, n);
	return p;
}

/* The capacity arena_grow gives an array of count elements: the next power of two. */
static size_t capacity(size_t count)
{
	size_t c = 4;

	while (c < count)
		c *= 2;
	return c;
}

/*
 * Arrays grow by doubling: an array that arena_grow made for old_count elements has room
 * for capacity(old_count), so appending one element at a time copies each element O(1)
 * times on average instead of on every append (which was quadratic in time and memory).
 */
void *arena_grow(struct arena *a, void *old, size_t old_count, size_t new_count, size_t elem)
{
	if (old && new_count <= capacity(old_count))
		return old;
	size_t cap = capacity(new_count);
	if (elem && cap > SIZE_MAX / elem)
		dief(EXIT_TROUBLE, "out of memory");
	void *p = arena_alloc(a, cap * elem);

	if (old && old_count)
		memcpy(p, old, old_count * elem);
	return p;
}
