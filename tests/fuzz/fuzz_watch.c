/*
 * Fuzz harness: a Kubernetes watch stream (newline-separated JSON events) through the
 * client's stream parser, delivered in chunks as libcurl would. The first byte picks the
 * chunk size (0: the whole stream at once); the rest is the body of the 200 answer.
 */
#include "kube.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static const char *const types[] = { "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR" };

static void on_event(const char *type, jv object, void *ud)
{
	size_t *n = ud;

	/* What the driver and the observer rely on: a type string and an object. */
	if (type == NULL || jv_get_kind(object) != JV_KIND_OBJECT)
		abort();
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i]) == 0)
			break;
	(*n)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk, nchunks, *chunks, events = 0;
	const char *why;

	if (size < 1)
		return 0;
	chunk = data[0] == 0 ? size - 1 : data[0];
	nchunks = size - 1 == 0 ? 0 : (size - 1 + chunk - 1) / chunk;
	chunks = malloc((nchunks ? nchunks : 1) * sizeof(*chunks));
	if (chunks == NULL)
		abort();
	for (size_t i = 0; i < nchunks; i++)
		chunks[i] = i + 1 < nchunks ? chunk : size - 1 - i * chunk;
	if (kube_watch_parse((const char *)data + 1, chunks, nchunks, on_event, &events, &why) < 0 && why == NULL)
		abort();	/* an aborted stream says why */
	free(chunks);
	return 0;
}
