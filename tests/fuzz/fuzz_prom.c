/*
 * Fuzz harness: a Prometheus answer (or a plain JSON result file) as compare reads a
 * snapshot: checked as an API response, then every way of extracting a value from it.
 * Short inputs are also read as a sample value and as a Prometheus timestamp.
 */
#include "jsonf.h"
#include "prom.h"
#include "promapi.h"
#include "rfc3339.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const struct label_match success[] = { { "success", "true" } };
static const struct label_match two[] = { { "reason", "no_data_change" }, { "job", "reloader-new" } };
static const char *const path[] = { "observed", "latency_seconds", "p50" };
static const char *const top[] = { "rolls" };

static const struct extract ways[] = {
	{ EX_SUM, NULL, 0, NULL, 0 },
	{ EX_SUM, success, 1, NULL, 0 },
	{ EX_FIRST, NULL, 0, NULL, 0 },
	{ EX_FIRST, two, 2, NULL, 0 },
	{ EX_MAX, NULL, 0, NULL, 0 },
	{ EX_MAX, success, 1, NULL, 0 },
	{ EX_PATH, NULL, 0, path, 3 },
	{ EX_PATH, NULL, 0, top, 1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_str(data, size);
	const char *why;
	jv doc;

	if (size < 64) {
		double v;
		(void)prom_parse_value(text, &v);
		(void)prom_parse_time(text, &v);
		(void)rfc3339_parse(text, &v);
	}
	if (json_parse("fuzz", (const char *)data, size, &doc) == 0) {
		(void)prom_check_response(doc, &why);
		for (size_t i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
			struct mvalue out;
			memset(&out, 0xa5, sizeof(out));	/* what is read must have been written */
			if (prom_extract("fuzz.json", doc, &ways[i], &out) == 0 && out.state != MV_VALUE &&
			    out.state != MV_ABSENT && out.state != MV_QUERY_ERROR)
				abort();	/* no other state comes out of a parsed file */
			if (out.state == MV_QUERY_ERROR || out.state == MV_ABSENT)
				if (memchr(out.why, '\0', sizeof(out.why)) == NULL)
					abort();
		}
		jv_free(doc);
	}
	free(text);
	return 0;
}
