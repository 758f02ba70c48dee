/*
 * Fuzz harness: a scenario file as `scenario --check` reads it: loaded, expanded into its
 * object graph, and every update's targets resolved. (tools/scenario is read only here.)
 */
#include "graph.h"
#include "model.h"
#include "util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	struct graph g;
	char *path;

	fuzz_write("scenario.yaml", data, size);
	path = fuzz_path("scenario.yaml");
	if (scenario_load(path, &s) == 0) {
		(void)scenario_phase(&s, 60);
		if (graph_build(&g, &s) == 0) {
			for (size_t u = 0; u < s.nupdates; u++)
				for (size_t t = 0; t < s.updates[u].ntargets; t++) {
					size_t n;
					free(graph_targets(&g, &s.updates[u], t, &n));
				}
		}
		graph_free(&g);
		scenario_free(&s);
	}
	free(path);
	return 0;
}
