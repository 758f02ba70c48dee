/* Names to positions in a hash table (FNV-1a, linear probing), kept at most half full. */
#include "nameidx.h"
#include "wrapper.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct name_slot {
	const char *name;	/* NULL: empty */
	size_t i;
};

static size_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

/* The slot that holds name, or the empty one where it would go. */
static struct name_slot *probe(struct name_slot *slots, size_t nslots, const char *name)
{
	size_t mask = nslots - 1, s = name_hash(name) & mask;

	while (slots[s].name != NULL && strcmp(slots[s].name, name) != 0)
		s = (s + 1) & mask;
	return &slots[s];
}

void name_index_add(struct name_index *ix, const char *name, size_t i)
{
	struct name_slot *slot;

	if ((ix->n + 1) * 2 > ix->nslots) {
		size_t n = ix->nslots ? ix->nslots * 2 : 16;
		struct name_slot *grown = xcalloc(n, sizeof(*grown));
		for (size_t j = 0; j < ix->nslots; j++)
			if (ix->slots[j].name != NULL)
				*probe(grown, n, ix->slots[j].name) = ix->slots[j];
		free(ix->slots);
		ix->slots = grown;
		ix->nslots = n;
	}
	slot = probe(ix->slots, ix->nslots, name);
	if (slot->name != NULL)
		return;
	slot->name = name;
	slot->i = i;
	ix->n++;
}

long name_index_find(const struct name_index *ix, const char *name)
{
	const struct name_slot *slot;

	if (ix->nslots == 0)
		return -1;
	slot = probe(ix->slots, ix->nslots, name);
	return slot->name != NULL ? (long)slot->i : -1;
}

void name_index_free(struct name_index *ix)
{
	free(ix->slots);
	ix->slots = NULL;
	ix->nslots = ix->n = 0;
}
