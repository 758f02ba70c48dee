/*
 * Fuzz harness: a name pattern ("app-{(i+1)%5}") expanded for an index, as the scenario
 * loader and graph do. The first 8 bytes are the index (little-endian), the rest the
 * pattern (to its first NUL).
 */
#include "model.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned long long u = 0;
	const char *err = NULL;
	char *pat, *out;

	if (size < 8)
		return 0;
	for (int k = 7; k >= 0; k--)
		u = u << 8 | data[k];
	pat = fuzz_str(data + 8, size - 8);
	out = pattern_expand(pat, (long)u, &err);
	if (out == NULL && err == NULL)
		abort();	/* a refused pattern says why */
	free(out);
	free(pat);
	return 0;
}
