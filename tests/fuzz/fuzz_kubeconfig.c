/*
 * Fuzz harness: kubeconfig files as the tools load them. The input is one file, or two
 * (the second after a line "@@second"), loaded as KUBECONFIG=first:second so that the merge
 * is fuzzed too. The fixtures' certificates and token sit beside them, so references to
 * certs/... and second/token resolve. Exec plugins are never run (fuzz_exec_credential
 * reads their output); static credentials are, token files included.
 */
#include "kubeconfig.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES "tests/fixtures/kubeconfig/merge/"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_copy(FIXTURES "certs/ca.pem", "certs/ca.pem");
	fuzz_copy(FIXTURES "certs/client.pem", "certs/client.pem");
	fuzz_copy(FIXTURES "certs/client.key", "certs/client.key");
	fuzz_copy(FIXTURES "second/token", "second/token");
	return 0;
}

static const char sep[] = "\n@@second\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *second = size >= sizeof(sep) - 1 ? memmem(data, size, sep, sizeof(sep) - 1) : NULL;
	char *paths, *first = fuzz_path("config"), *other = fuzz_path("second/config");
	struct kubeconfig cfg;

	if (second != NULL) {
		size_t n = (size_t)(second - data);
		fuzz_write("config", data, n);
		n += sizeof(sep) - 1;
		fuzz_write("second/config", data + n, size - n);
		if (asprintf(&paths, "%s:%s", first, other) < 0)
			abort();
	} else {
		fuzz_write("config", data, size);
		paths = strdup(first);
	}
	if (kubeconfig_load(&cfg, paths, NULL) == 0) {
		struct kube_cred cred;
		if (cfg.exec == NULL && kubeconfig_credentials(&cfg, &cred) == 0)
			kube_cred_free(&cred);
		kubeconfig_free(&cfg);
	}
	free(paths);
	free(first);
	free(other);
	return 0;
}
