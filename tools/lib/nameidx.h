/*
 * An index of names: each name to the position its owner gave it, found in constant time
 * (a hash table, open addressing), for lists that may be long: a kubeconfig's entries,
 * the catalogue's rows.
 */
#ifndef LT_NAMEIDX_H
#define LT_NAMEIDX_H

#include <stddef.h>

struct name_slot;

struct name_index {
	struct name_slot *slots;
	size_t nslots;		/* a power of two; kept at least twice n */
	size_t n;
};

#define NAME_INDEX_INIT { NULL, 0, 0 }

/* Position i under name, which is borrowed: it must outlive the index. A name already in
   the index keeps its first position (check name_index_find first to refuse it). */
void name_index_add(struct name_index *ix, const char *name, size_t i);
/* The position of name, or -1. */
long name_index_find(const struct name_index *ix, const char *name);
void name_index_free(struct name_index *ix);

#endif
