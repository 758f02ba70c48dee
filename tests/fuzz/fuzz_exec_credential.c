/*
 * Fuzz harness: an exec credential plugin's output (an ExecCredential), read as
 * kubeconfig_credentials reads it. The first byte picks the apiVersion the kubeconfig asks
 * for; the rest is what the plugin printed.
 */
#include "kubeconfig.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* The plugin's output is cut at 1 MiB before it is read (EXEC_MAX_OUTPUT). */
#define MAX_OUTPUT (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[] = { "plugin", NULL };
	static char *env[] = { NULL };
	struct kube_exec x = { NULL, argv, env, 0 };
	struct kubeconfig cfg;
	struct kube_cred cred;
	char *text;

	if (size < 1 || size - 1 > MAX_OUTPUT)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	x.api_version = data[0] & 1 ? "client.authentication.k8s.io/v1beta1" : "client.authentication.k8s.io/v1";
	cfg.exec = &x;
	cfg.user = "fuzz";
	cfg.user_at = "fuzz:1:1";
	/* The tool hands the parser a NUL-terminated buffer (an sbuf). */
	text = fuzz_str(data + 1, size - 1);
	if (kubeconfig_parse_exec_output(&cfg, text, size - 1, &cred) == 0)
		kube_cred_free(&cred);
	free(text);
	return 0;
}
