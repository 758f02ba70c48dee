/* Fuzz harness: the metric catalogue (rules.yaml) as compare loads it, and its lookups. */
#include "rules.h"
#include "util.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalogue c;
	char *path;

	fuzz_write("rules.yaml", data, size);
	path = fuzz_path("rules.yaml");
	if (catalogue_load(path, &c) == 0) {
		for (size_t i = 0; i < c.n; i++) {
			if (catalogue_find(&c, c.m[i].name) < 0)
				abort();	/* a loaded row cannot be found by its own name */
			(void)rule_kind_name(catalogue_rule(&c, "S1", i)->kind);
		}
		for (size_t k = 0; k < c.nov; k++)
			if (c.ov[k].metric >= c.n)
				abort();	/* an override of a row that does not exist */
		catalogue_free(&c);
	}
	free(path);
	return 0;
}
