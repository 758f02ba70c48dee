/* kindctl: create and delete clusters, load images, run Prometheus and controller arms. */
#include "kindctl.h"
#include "apiproxy.h"
#include "msg.h"
#include "num.h"
#include "wrapper.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything the command line says: the providers' options, and the internal verbs' own. */
struct options {
	struct kopts k;
	const char *verb;
	const char *listen, *to, *port_file, *netns;	/* api-proxy, arm-bridge, netns-exec */
	long delay;					/* api-proxy, arm-bridge: -1 when not given */
	char *state;					/* the default state folder, when k.state is */
};

struct verb {
	const char *name;
	/* A verb of kindctl's own (no provider, no --name), or NULL for a provider's verb. */
	int (*run)(struct options *o);
	/* A provider's verb: where struct provider holds it. */
	size_t member;
	/* Its line of the synopsis (--help), after the name; NULL for the internal verbs. */
	const char *synopsis;
};

static int verb_detect_provider(struct options *o);
static int verb_api_proxy(struct options *o);
static int verb_arm_bridge(struct options *o);
static int verb_netns_exec(struct options *o);
static int verb_netns_check(struct options *o);

#define PROVIDER_VERB(m) NULL, offsetof(struct provider, m)

/* In the order of the synopsis. */
static const struct verb verbs[] = {
	{ "create", PROVIDER_VERB(create), "--name N [--workers 6] [--port-offset K]" },
	{ "delete", PROVIDER_VERB(delete_), "--name N" },
	{ "exists", PROVIDER_VERB(exists), "--name N" },
	{ "kubeconfig", PROVIDER_VERB(kubeconfig), "--name N" },
	{ "load-image", PROVIDER_VERB(load_image), "--name N IMAGE..." },
	{ "prometheus-start", PROVIDER_VERB(prometheus_start), "--name N [--port P]" },
	{ "prometheus-stop", PROVIDER_VERB(prometheus_stop), "--name N" },
	{ "arm-start", PROVIDER_VERB(arm_start),
	  "--name N --arm old|new --image IMAGE [--arg ARG]... [--log FILE]\n"
	  "                   [--api-delay MS]   (local: the arm's API requests held MS ms by a proxy)" },
	{ "arm-stop", PROVIDER_VERB(arm_stop), "--name N --arm old|new [--log FILE]" },
	{ "arm-restart", PROVIDER_VERB(arm_restart), "--name N --arm old|new" },
	{ "arm-metrics-url", PROVIDER_VERB(arm_metrics_url),
	  "--name N --arm old|new   (local: where the running arm's metrics are)" },
	{ "arm-status", PROVIDER_VERB(arm_status),
	  "--name N --arm old|new   (local: prints running, or not running and exits 1)" },
	{ "netns-check", verb_netns_check, 0, "whether local arms get network namespaces of their own (root)" },
	{ "detect-provider", verb_detect_provider, 0, "print kind when a container engine answers, else local" },
	/* Internal: run by arm-start in the background. */
	{ "api-proxy", verb_api_proxy, 0, NULL },
	{ "arm-bridge", verb_arm_bridge, 0, NULL },
	{ "netns-exec", verb_netns_exec, 0, NULL },
};

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static void print_usage(void)
{
	fputs("usage: kindctl [--provider auto|kind|local|existing] [--state DIR] VERB [options]\n\n", stdout);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].synopsis)
			printf("  %-16s %s\n", verbs[i].name, verbs[i].synopsis);
	fputs("\n"
	      "existing clusters: --context NAME [--kubeconfig FILES] [--prometheus-url URL]\n"
	      "Images: stakater/reloader:vX.Y.Z (local: built from the Go module proxy),\n"
	      "bin:/path/to/reloader (local), or a container image (kind).\n"
	      "State: --state, else $LOADTEST_STATE, else ~/.local/state/reloader-loadtest.\n"
	      "\n"
	      "Exit status: 0 success; 1 failure (for exists: no such cluster); 2 bad usage.\n",
	      stdout);
}

static long number(const char *name, const char *s, long min, long max)
{
	long v;

	if (num_long(s, min, max, &v) != NULL)
		usagef("--%s needs a whole number from %ld to %ld, not '%s'", name, min, max, s);
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

/* The options, the verb and what follows it into o; --help prints the synopsis and exits. */
static void parse_args(int argc, char **argv, struct options *o)
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
	struct kopts *k = &o->k;
	int c;

	*o = (struct options){
		.k = { .provider = "auto", .workers = 6, .api_delay = -1,
		       .args = xcalloc((size_t)argc + 1, sizeof(*k->args)) },
		.delay = -1,
	};
	opterr = 0;
	/* Options may come before and after the verb: getopt permutes the verb to the end. */
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': k->provider = optarg; break;
		case 's': k->state = optarg; break;
		case 'n': k->name = optarg; break;
		case 'w': k->workers = number("workers", optarg, 0, 1000); break;
		case 'o': k->port_offset = number("port-offset", optarg, 0, 500); break;
		case 'P': k->port = number("port", optarg, 1024, 65535); break;
		case 'a': k->arm = optarg; break;
		case 'i': k->image = optarg; break;
		case 'A': k->args[k->nargs++] = optarg; break;
		case 'l': k->log = optarg; break;
		case 'c': k->context = optarg; break;
		case 'k': k->kubeconfig = optarg; break;
		case 'u': k->prometheus_url = optarg; break;
		case 'D': k->api_delay = number("api-delay", optarg, 0, 60000); break;
		case 'L': o->listen = optarg; break;
		case 'T': o->to = optarg; break;
		case 'd': o->delay = number("delay", optarg, 0, 60000); break;
		case 'F': o->port_file = optarg; break;
		case 'N': o->netns = optarg; break;
		case 'h':
			print_usage();
			free(k->args);
			exit(ferror(stdout) ? EXIT_TROUBLE : 0);
		case ':':
			usagef("option needs a value: '%s'", argv[optind - 1]);
		default:
			usagef("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		usagef("a verb is required");
	o->verb = argv[optind++];
	k->rest = &argv[optind];
	k->nrest = argc - optind;
}

static void options_free(struct options *o)
{
	free(o->k.args);
	free(o->state);
}

/* ---- kindctl's own verbs ---- */

static int verb_detect_provider(struct options *o)
{
	(void)o;
	printf("%s\n", detect_provider());
	return fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
}

/* api-proxy and arm-bridge: --to, --delay and --port-file, nothing after the verb. */
static void need_route(const struct options *o, const char *what)
{
	if (o->to == NULL || o->port_file == NULL || o->delay < 0)
		usagef("%s needs --to ADDRESS:PORT, --delay MS and --port-file FILE", what);
	if (o->k.nrest > 0)
		usagef("unexpected argument '%s'", o->k.rest[0]);
}

/* Internal: the proxy that arm-start --api-delay runs in the background. */
static int verb_api_proxy(struct options *o)
{
	need_route(o, "api-proxy");
	return apiproxy_run(o->listen ? o->listen : "127.0.0.1:0", o->to, o->delay, o->port_file);
}

/* Internal: an isolated arm's bridge (arm-start runs it), and the way into its namespace. */
static int verb_arm_bridge(struct options *o)
{
	need_route(o, "arm-bridge");
	return armbridge_run(o->to, o->listen ? o->listen : "127.0.0.1:0", 9090, o->delay, o->port_file);
}

static int verb_netns_exec(struct options *o)
{
	if (o->netns == NULL || o->k.nrest == 0 || o->k.rest[0][0] != '/')
		usagef("netns-exec needs --netns /proc/PID/ns/net -- /PATH/TO/PROGRAM [ARG...]");
	return netns_exec(o->netns, o->k.rest);
}

static int verb_netns_check(struct options *o)
{
	char why[160];
	int ok = local_arms_isolated(why, sizeof(why));

	(void)o;
	if (ok)
		printf("yes\n");
	else
		printf("no: %s\n", why);
	return fclose(stdout) == 0 ? !ok : EXIT_TROUBLE;
}

/* ---- the providers' verbs ---- */

static const struct provider *pick_provider(struct kopts *k)
{
	if (strcmp(k->provider, "auto") == 0)
		k->provider = detect_provider();
	if (strcmp(k->provider, "local") == 0)
		return &provider_local;
	if (strcmp(k->provider, "kind") == 0)
		return &provider_kind;
	if (strcmp(k->provider, "existing") == 0)
		return &provider_existing;
	usagef("unknown provider '%s': use auto, kind, local or existing", k->provider);
}

/* What every provider's verb needs, checked in this order whatever the verb (an unknown one
   too: it is named last). */
static void check_provider_options(const struct options *o)
{
	const struct kopts *k = &o->k;

	if (k->name == NULL)
		usagef("--name is required");
	if (!valid_name(k->name))
		usagef("--name '%s' must be lowercase letters, digits and '-', at most 50", k->name);
	if (k->nrest > 0 && strcmp(o->verb, "load-image") != 0)
		usagef("unexpected argument '%s'", k->rest[0]);
	if (k->arm && strcmp(k->arm, "old") != 0 && strcmp(k->arm, "new") != 0)
		usagef("--arm must be old or new, not '%s'", k->arm);
	if (strncmp(o->verb, "arm-", 4) == 0 && k->arm == NULL)
		usagef("--arm is required");
	if (strcmp(o->verb, "arm-start") == 0 && k->image == NULL)
		usagef("--image is required");
	if (strcmp(o->verb, "load-image") == 0 && k->nrest == 0)
		usagef("load-image needs at least one image");
	if (k->api_delay >= 0 && strcmp(o->verb, "arm-start") != 0)
		usagef("--api-delay goes with arm-start (arm-restart keeps the arm's own)");
	/* Their controllers run in pods: a proxy on this host cannot sit between a pod and
	   its API server without a container image of its own in the pod. */
	if (k->api_delay >= 0 && strcmp(k->provider, "local") != 0)
		dief(EXIT_TROUBLE, "--api-delay: not supported by the %s provider (its controller runs in a pod, "
		     "out of reach of a proxy on this host): use --provider local", k->provider);
	if (strcmp(k->provider, "existing") == 0 && k->context == NULL)
		usagef("the existing provider needs --context");
}

static int run_provider_verb(const struct verb *v, struct options *o)
{
	int (*fn)(const struct kopts *);
	int rc;

	if (o->listen || o->to || o->port_file || o->delay >= 0 || o->netns)
		usagef("--listen, --to, --delay, --port-file and --netns go with internal verbs only");
	const struct provider *p = pick_provider(&o->k);
	check_provider_options(o);
	if (o->k.state == NULL)
		o->k.state = o->state = default_state();
	if (v == NULL)
		usagef("unknown verb '%s'", o->verb);
	memcpy(&fn, (const char *)p + v->member, sizeof(fn));
	rc = fn ? fn(&o->k) : (errorf("%s: '%s' is not supported by this provider", p->name, o->verb), EXIT_FAILED);
	if (fclose(stdout) != 0 && rc == 0) {
		errorf_errno("cannot write to stdout");
		rc = EXIT_TROUBLE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	const struct verb *v;
	int rc;

	msg_init(argv[0]);
	parse_args(argc, argv, &o);
	v = find_verb(o.verb);
	rc = v && v->run ? v->run(&o) : run_provider_verb(v, &o);
	options_free(&o);
	return rc;
}
