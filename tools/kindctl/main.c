/* kindctl: create and delete clusters, load images, run Prometheus and controller arms. */
#include "kindctl.h"
#include "apiproxy.h"
#include "msg.h"
#include "num.h"
#include "wrapper.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: kindctl [--provider auto|kind|local|existing] [--state DIR] VERB [options]\n"
	"\n"
	"  create           --name N [--workers 6] [--port-offset K]\n"
	"  delete           --name N\n"
	"  exists           --name N\n"
	"  kubeconfig       --name N\n"
	"  load-image       --name N IMAGE...\n"
	"  prometheus-start --name N [--port P]\n"
	"  prometheus-stop  --name N\n"
	"  arm-start        --name N --arm old|new --image IMAGE [--arg ARG]... [--log FILE]\n"
	"                   [--api-delay MS]   (local: the arm's API requests held MS ms by a proxy)\n"
	"  arm-stop         --name N --arm old|new [--log FILE]\n"
	"  arm-restart      --name N --arm old|new\n"
	"  arm-metrics-url  --name N --arm old|new   (local: where the running arm's metrics are)\n"
	"  arm-status       --name N --arm old|new   (local: prints running, or not running and exits 1)\n"
	"  netns-check      whether local arms get network namespaces of their own (root)\n"
	"  detect-provider  print kind when a container engine answers, else local\n"
	"\n"
	"existing clusters: --context NAME [--kubeconfig FILES] [--prometheus-url URL]\n"
	"Images: stakater/reloader:vX.Y.Z (local: built from the Go module proxy),\n"
	"bin:/path/to/reloader (local), or a container image (kind).\n"
	"State: --state, else $LOADTEST_STATE, else ~/.local/state/reloader-loadtest.\n"
	"\n"
	"Exit status: 0 success; 1 failure (for exists: no such cluster); 2 bad usage.\n";

static _Noreturn void usage(const char *fmt, const char *arg)
{
	char buf[512];

	snprintf(buf, sizeof(buf), fmt, arg);
	dief(EXIT_TROUBLE, "%s (see 'kindctl --help')", buf);
}

static long number(const char *name, const char *s, long min, long max)
{
	long v;

	if (num_long(s, min, max, &v) != NULL) {
		char buf[128];
		snprintf(buf, sizeof(buf), "--%s needs a whole number from %ld to %ld, not '%%s'", name, min, max);
		usage(buf, s);
	}
	return v;
}

static int valid_name(const char *s)
{
	if (*s == '\0' || strlen(s) > 50)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return s[0] != '-';
}

static char *default_state(void)
{
	const char *env = getenv("LOADTEST_STATE"), *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (env && *env)
		return xstrdup(env);
	if (xdg && *xdg)
		return xasprintf("%s/reloader-loadtest", xdg);
	return xasprintf("%s/.local/state/reloader-loadtest", home && *home ? home : "/tmp");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "port-offset", required_argument, NULL, 'o' },
		{ "port", required_argument, NULL, 'P' },
		{ "arm", required_argument, NULL, 'a' },
		{ "image", required_argument, NULL, 'i' },
		{ "arg", required_argument, NULL, 'A' },
		{ "log", required_argument, NULL, 'l' },
		{ "context", required_argument, NULL, 'c' },
		{ "kubeconfig", required_argument, NULL, 'k' },
		{ "prometheus-url", required_argument, NULL, 'u' },
		{ "api-delay", required_argument, NULL, 'D' },
		{ "listen", required_argument, NULL, 'L' },
		{ "to", required_argument, NULL, 'T' },
		{ "delay", required_argument, NULL, 'd' },
		{ "port-file", required_argument, NULL, 'F' },
		{ "netns", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kopts o = { 0 };
	const char *verb = NULL, *listen = NULL, *to = NULL, *port_file = NULL, *netns = NULL;
	long delay = -1;
	char *state = NULL;
	int c, rc;

	msg_init(argv[0]);
	o.provider = "auto";
	o.workers = 6;
	o.api_delay = -1;
	o.args = xcalloc((size_t)argc + 1, sizeof(*o.args));
	opterr = 0;
	/* Options may come before and after the verb: getopt permutes the verb to the end. */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': o.provider = optarg; break;
		case 's': o.state = optarg; break;
		case 'n': o.name = optarg; break;
		case 'w': o.workers = number("workers", optarg, 0, 1000); break;
		case 'o': o.port_offset = number("port-offset", optarg, 0, 500); break;
		case 'P': o.port = number("port", optarg, 1024, 65535); break;
		case 'a': o.arm = optarg; break;
		case 'i': o.image = optarg; break;
		case 'A': o.args[o.nargs++] = optarg; break;
		case 'l': o.log = optarg; break;
		case 'c': o.context = optarg; break;
		case 'k': o.kubeconfig = optarg; break;
		case 'u': o.prometheus_url = optarg; break;
		case 'D': o.api_delay = number("api-delay", optarg, 0, 60000); break;
		case 'L': listen = optarg; break;
		case 'T': to = optarg; break;
		case 'd': delay = number("delay", optarg, 0, 60000); break;
		case 'F': port_file = optarg; break;
		case 'N': netns = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			return ferror(stdout) ? EXIT_TROUBLE : 0;
		case ':':
			usage("option needs a value: '%s'", argv[optind - 1]);
		default:
			usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usage("%s", "a verb is required");
	verb = argv[optind++];
	o.rest = &argv[optind];
	o.nrest = argc - optind;

	if (strcmp(verb, "detect-provider") == 0) {
		printf("%s\n", detect_provider());
		free(o.args);
		return fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
	}
	/* Internal: the proxy that arm-start --api-delay runs in the background. */
	if (strcmp(verb, "api-proxy") == 0) {
		if (to == NULL || port_file == NULL || delay < 0)
			usage("%s", "api-proxy needs --to ADDRESS:PORT, --delay MS and --port-file FILE");
		if (o.nrest > 0)
			usage("unexpected argument '%s'", o.rest[0]);
		free(o.args);
		return apiproxy_run(listen ? listen : "127.0.0.1:0", to, delay, port_file);
	}
	/* Internal: an isolated arm's bridge (arm-start runs it), and the way into its namespace. */
	if (strcmp(verb, "arm-bridge") == 0) {
		if (to == NULL || port_file == NULL || delay < 0)
			usage("%s", "arm-bridge needs --to ADDRESS:PORT, --delay MS and --port-file FILE");
		if (o.nrest > 0)
			usage("unexpected argument '%s'", o.rest[0]);
		free(o.args);
		return armbridge_run(to, listen ? listen : "127.0.0.1:0", 9090, delay, port_file);
	}
	if (strcmp(verb, "netns-exec") == 0) {
		if (netns == NULL || o.nrest == 0 || o.rest[0][0] != '/')
			usage("%s", "netns-exec needs --netns /proc/PID/ns/net -- /PATH/TO/PROGRAM [ARG...]");
		return netns_exec(netns, o.rest);
	}
	if (strcmp(verb, "netns-check") == 0) {
		char why[160];
		int ok = local_arms_isolated(why, sizeof(why));
		free(o.args);
		if (ok)
			printf("yes\n");
		else
			printf("no: %s\n", why);
		return fclose(stdout) == 0 ? !ok : EXIT_TROUBLE;
	}
	if (listen || to || port_file || delay >= 0 || netns)
		usage("%s", "--listen, --to, --delay, --port-file and --netns go with internal verbs only");
	const struct provider *p;
	if (strcmp(o.provider, "auto") == 0)
		o.provider = detect_provider();
	if (strcmp(o.provider, "local") == 0)
		p = &provider_local;
	else if (strcmp(o.provider, "kind") == 0)
		p = &provider_kind;
	else if (strcmp(o.provider, "existing") == 0)
		p = &provider_existing;
	else
		usage("unknown provider '%s': use auto, kind, local or existing", o.provider);

	if (o.name == NULL)
		usage("%s", "--name is required");
	if (!valid_name(o.name))
		usage("--name '%s' must be lowercase letters, digits and '-', at most 50", o.name);
	if (o.nrest > 0 && strcmp(verb, "load-image") != 0)
		usage("unexpected argument '%s'", o.rest[0]);
	if (o.arm && strcmp(o.arm, "old") != 0 && strcmp(o.arm, "new") != 0)
		usage("--arm must be old or new, not '%s'", o.arm);
	if (strncmp(verb, "arm-", 4) == 0 && o.arm == NULL)
		usage("%s", "--arm is required");
	if (strcmp(verb, "arm-start") == 0 && o.image == NULL)
		usage("%s", "--image is required");
	if (strcmp(verb, "load-image") == 0 && o.nrest == 0)
		usage("%s", "load-image needs at least one image");
	if (o.api_delay >= 0 && strcmp(verb, "arm-start") != 0)
		usage("%s", "--api-delay goes with arm-start (arm-restart keeps the arm's own)");
	/* Their controllers run in pods: a proxy on this host cannot sit between a pod and
	   its API server without a container image of its own in the pod. */
	if (o.api_delay >= 0 && strcmp(o.provider, "local") != 0)
		dief(EXIT_TROUBLE, "--api-delay: not supported by the %s provider (its controller runs in a pod, "
		     "out of reach of a proxy on this host): use --provider local", o.provider);
	if (strcmp(o.provider, "existing") == 0 && o.context == NULL)
		usage("%s", "the existing provider needs --context");
	if (o.state == NULL)
		o.state = state = default_state();

	int (*fn)(const struct kopts *) = NULL;
	if (strcmp(verb, "create") == 0)
		fn = p->create;
	else if (strcmp(verb, "delete") == 0)
		fn = p->delete_;
	else if (strcmp(verb, "exists") == 0)
		fn = p->exists;
	else if (strcmp(verb, "kubeconfig") == 0)
		fn = p->kubeconfig;
	else if (strcmp(verb, "load-image") == 0)
		fn = p->load_image;
	else if (strcmp(verb, "prometheus-start") == 0)
		fn = p->prometheus_start;
	else if (strcmp(verb, "prometheus-stop") == 0)
		fn = p->prometheus_stop;
	else if (strcmp(verb, "arm-start") == 0)
		fn = p->arm_start;
	else if (strcmp(verb, "arm-stop") == 0)
		fn = p->arm_stop;
	else if (strcmp(verb, "arm-restart") == 0)
		fn = p->arm_restart;
	else if (strcmp(verb, "arm-metrics-url") == 0)
		fn = p->arm_metrics_url;
	else if (strcmp(verb, "arm-status") == 0)
		fn = p->arm_status;
	else
		usage("unknown verb '%s'", verb);
	rc = fn ? fn(&o) : (errorf("%s: '%s' is not supported by this provider", p->name, verb), EXIT_FAILED);
	free(o.args);
	free(state);
	if (fclose(stdout) != 0 && rc == 0) {
		errorf_errno("cannot write to stdout");
		rc = EXIT_TROUBLE;
	}
	return rc;
}
