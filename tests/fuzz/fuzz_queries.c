/* Fuzz harness: promsnap's query catalogue (queries.yaml), and its templates expanded. */
#include "queries.h"
#include "util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_cat c;
	char *path;

	fuzz_write("queries.yaml", data, size);
	path = fuzz_path("queries.yaml");
	if (queries_load(path, &c) == 0) {
		/* A short window and an awkward one: 60 s at 2 s steps, and 61.7 s at 7 s. */
		struct query_params p[2] = {
			{ "reloader-new", 1767225600, 1767225660, 2, 2 },
			{ "x\"y\\z", 1767225600.5, 1767225662.2, 7, 3 },
		};
		for (int k = 0; k < 2; k++) {
			(void)queries_grid_ms(&p[k]);
			(void)queries_rate_ms(&p[k]);
			for (size_t i = 0; i < c.n; i++)
				free(queries_expand(c.q[i].query, &p[k]));
			for (size_t i = 0; i < c.ns; i++)
				free(queries_expand(c.s[i].query, &p[k]));
		}
		queries_free(&c);
	}
	free(path);
	return 0;
}
