/* scenario: run one declarative scenario against a cluster and write the arm's results. */
#include "arena.h"
#include "driver.h"
#include "fsio.h"
#include "jsonf.h"
#include "kubeconfig.h"
#include "model.h"
#include "msg.h"
#include "num.h"
#include "wrapper.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: scenario --scenario ID|FILE --duration SECONDS --out FILE [--arm NAME]\n"
	"                [--namespace NS] [--namespace-suffix S] [--seed N] [--kubeconfig FILES]\n"
	"                [--context NAME]\n"
	"                [--expected FILE] [--setup-timeout S] [--quiet S] [--settle-timeout S]\n"
	"                [--max-inflight N] [--fixed-inflight] [--scale N] [--set KEY=VALUE[,...]]...\n"
	"                [--no-progress] [--delete-after] [-- RESTART-COMMAND [ARG...]]\n"
	"       scenario --scenario ID|FILE [--scale N] [--set KEY=VALUE]... --check\n"
	"       scenario --scenario ID|FILE [--scale N] [--set KEY=VALUE]... --duration SECONDS\n"
	"                [--seed N] --plan\n"
	"       scenario --scenario ID|FILE --controller-args\n"
	"\n"
	"Run a scenario (S1..S14 or a scenario file): clean up and create its namespaces and\n"
	"objects, wait until the workloads are ready, send its updates open-loop for the\n"
	"update phase, and settle until every expected roll is seen and no more come for a\n"
	"short quiet period. An observer\n"
	"watches the workloads throughout. Writes run.json (--out) and the arm's\n"
	"expected.json (next to it, or --expected).\n"
	"\n"
	"  --arm NAME          label of the arm in the results (default new)\n"
	"  --namespace NS      use NS in place of the scenario's first namespace (and as\n"
	"                      the prefix of the others that start with it)\n"
	"  --namespace-suffix S  add -S to every namespace's name: a run of its own whose\n"
	"                      namespaces no earlier run is still deleting\n"
	"  --seed N            seed of the random target choice (default 1)\n"
	"  --kubeconfig FILES  ':'-separated kubeconfig files (default $KUBECONFIG, ~/.kube/config)\n"
	"  --context NAME      kubeconfig context (default: current context)\n"
	"  --setup-timeout S   wait at most S seconds for the workloads to be ready (300)\n"
	"  --quiet S           settle ends, once every workload has rolled to the content it\n"
	"                      should run, after S seconds without a roll (2)\n"
	"  --settle-timeout S  ... or after S seconds (60); without convergence, quiet\n"
	"                      for 3 x --quiet (at least 15 s) also ends it\n"
	"  --delete-after      at the end, delete the scenario's namespaces without waiting\n"
	"                      (the next run's clean-up waits for what is left)\n"
	"  --max-inflight N    at most N concurrent API requests (64); the updates in flight\n"
	"                      adapt below it to what the server answers\n"
	"  --fixed-inflight    keep the updates in flight at --max-inflight (no adaptation)\n"
	"  --scale N           multiply the count of every object entry named by a pattern\n"
	"                      ({i}) by N; rates stay as written\n"
	"  --set KEY=VALUE     change one value of the scenario (before --scale): count.NAME\n"
	"                      (the entry whose name is NAME, e.g. count.fanout-deploy-{i}),\n"
	"                      updates.N.every, updates.N.writers (stream N, from 1),\n"
	"                      churn.every, churn.keep, phase.minus, phase.min, restart.at,\n"
	"                      or duration (in place of --duration); repeatable, or\n"
	"                      KEY=VALUE,KEY=VALUE\n"
	"  --check             load and expand the scenario, print a summary, touch no cluster\n"
	"  --plan              print (JSON) what a run would create and send, and the counts\n"
	"                      its expected.json would hold if every update succeeded\n"
	"  --controller-args   print the arguments the scenario gives the controller, one a line\n"
	"  -- COMMAND...       run at the scenario's restart time (S6, S14); exit 0 means\n"
	"                      restarted, and the controller is down until it returns\n"
	"\n"
	"Exit status: 0 the run did what the scenario says; 1 it completed but did not (a\n"
	"check in run.json failed: see \"problems\"); 2 trouble (bad usage, scenario file,\n"
	"kubeconfig, unreachable server).\n";

enum mode { MODE_RUN, MODE_CHECK, MODE_PLAN, MODE_ARGS };

struct options {
	struct run_opts run;
	int check, plan, print_args;	/* as given; mode is decided from them */
	enum mode mode;
	const char *id, *out, *expected, *ns, *ns_suffix, *kubeconfig, *context;
	long scale;
	char **sets;			/* --set's KEY=VALUE items, malloc'd */
	size_t nsets;
};

static double seconds_arg(const char *name, const char *s, double min)
{
	double v;

	if (num_double(s, &v) != NULL || v < min || v > 1e7)
		usagef("--%s needs a number of seconds, not '%s'", name, s);
	return v;
}

static long long_arg(const char *name, const char *s, long min, long max, const char *what)
{
	long v;

	/* Decimal digits only: no sign, no 0x, no spaces. */
	if (num_long(s, min, max, &v) != NULL)
		usagef("--%s needs %s, not '%s'", name, what, s);
	return v;
}

/* --set KEY=VALUE,KEY=VALUE: names and values hold no comma. */
static void add_sets(struct options *op, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *item;

	if (*copy == '\0' || copy[strlen(copy) - 1] == ',' || *copy == ',' || strstr(copy, ",,"))
		usagef("--set needs KEY=VALUE[,KEY=VALUE...], not '%s'", arg);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		op->sets = xrealloc(op->sets, (op->nsets + 1) * sizeof(*op->sets));
		op->sets[op->nsets++] = xstrdup(item);
	}
	free(copy);
}

static const struct option longopts[] = {
	{ "scenario", required_argument, NULL, 's' },
	{ "duration", required_argument, NULL, 'd' },
	{ "out", required_argument, NULL, 'o' },
	{ "expected", required_argument, NULL, 'e' },
	{ "arm", required_argument, NULL, 'a' },
	{ "namespace", required_argument, NULL, 'n' },
	{ "namespace-suffix", required_argument, NULL, 'N' },
	{ "seed", required_argument, NULL, 'S' },
	{ "kubeconfig", required_argument, NULL, 'k' },
	{ "context", required_argument, NULL, 'c' },
	{ "setup-timeout", required_argument, NULL, 'T' },
	{ "quiet", required_argument, NULL, 'q' },
	{ "settle-timeout", required_argument, NULL, 'Q' },
	{ "max-inflight", required_argument, NULL, 'm' },
	{ "no-progress", no_argument, NULL, 'P' },
	{ "delete-after", no_argument, NULL, 'D' },
	{ "check", no_argument, NULL, 'C' },
	{ "controller-args", no_argument, NULL, 'A' },
	{ "plan", no_argument, NULL, 'L' },
	{ "scale", required_argument, NULL, 'x' },
	{ "set", required_argument, NULL, 'X' },
	{ "fixed-inflight", no_argument, NULL, 'F' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option into op; 1 when it was --help. */
static int parse_option(struct options *op, int c, char **argv)
{
	struct run_opts *o = &op->run;

	switch (c) {
	case 's': op->id = optarg; break;
	case 'd': o->duration = seconds_arg("duration", optarg, 1); break;
	case 'o': op->out = optarg; break;
	case 'e': op->expected = optarg; break;
	case 'a': o->arm = optarg; break;
	case 'n': op->ns = optarg; break;
	case 'N': op->ns_suffix = optarg; break;
	case 'k': op->kubeconfig = optarg; break;
	case 'c': op->context = optarg; break;
	case 'T': o->setup_timeout = seconds_arg("setup-timeout", optarg, 0); break;
	case 'q': o->quiet = seconds_arg("quiet", optarg, 0); break;
	case 'Q': o->settle_timeout = seconds_arg("settle-timeout", optarg, 0); break;
	case 'P': o->progress = 0; break;
	case 'D': o->delete_after = 1; break;
	case 'C': op->check = 1; break;
	case 'A': op->print_args = 1; break;
	case 'L': op->plan = 1; break;
	case 'F': o->fixed_inflight = 1; break;
	case 'x': op->scale = long_arg("scale", optarg, 1, SCENARIO_MAX_COUNT, "a whole number from 1 to 1000000"); break;
	case 'X': add_sets(op, optarg); break;
	case 'S': o->seed = (unsigned long)long_arg("seed", optarg, 0, LONG_MAX, "a whole number"); break;
	case 'm': o->max_inflight = (int)long_arg("max-inflight", optarg, 1, 4096, "a number from 1 to 4096"); break;
	case 'h': return 1;
	case ':': usagef("option needs a value: '%s'", argv[optind - 1]);
	default: usagef("unknown option '%s'", argv[optind - 1]);
	}
	return 0;
}

/* The command line into op; 1 when --help was asked for (nothing else is checked then). */
static int parse_args(int argc, char **argv, struct options *op)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1)
		if (parse_option(op, c, argv))
			return 1;
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			usagef("unexpected argument '%s'", argv[optind]);
		op->run.restart_cmd = &argv[optind];
	}
	if (op->id == NULL)
		usagef("%s", "--scenario is required");
	if (op->plan && (op->check || op->print_args))
		usagef("%s", "--plan, --check and --controller-args go alone");
	op->mode = op->plan ? MODE_PLAN : op->print_args ? MODE_ARGS : op->check ? MODE_CHECK : MODE_RUN;
	if (op->mode == MODE_PLAN && op->run.duration < 0 && op->nsets == 0)
		usagef("%s", "--plan needs --duration");
	if (op->mode == MODE_RUN) {
		if (op->run.duration < 0)
			usagef("%s", "--duration is required");
		if (op->out == NULL)
			usagef("%s", "--out is required");
	}
	if (op->ns && k8s_name_problem(op->ns, NAME_MAX_LABEL, 0) != NULL)
		usagef("--namespace needs a namespace name (lowercase letters, digits and '-', at most 63), not '%s'", op->ns);
	if (op->ns_suffix && k8s_name_problem(op->ns_suffix, NAME_MAX_LABEL, 0) != NULL)
		usagef("--namespace-suffix needs lowercase letters, digits and '-' (at most 63), not '%s'", op->ns_suffix);
	return 0;
}

/*
 * --namespace NS: NS replaces the first namespace, and the prefix of those that start with
 * it; 0, or -1 after printing why (a name that grew too long).
 */
static int rename_namespaces(struct scenario *s, const char *ns)
{
	const char *first = s->namespaces[0];
	size_t n = strlen(first);

	for (size_t i = s->nns; i-- > 0;) {
		if (strncmp(s->namespaces[i], first, n) != 0)
			continue;
		char *name = arena_alloc(s->arena, strlen(ns) + strlen(s->namespaces[i] + n) + 1);
		strcpy(name, ns);
		strcat(name, s->namespaces[i] + n);
		const char *why = k8s_name_problem(name, NAME_MAX_LABEL, 0);
		if (why != NULL)
			return errorf("--namespace '%s': namespace '%s' (for '%s') %s", ns, name, s->namespaces[i], why);
		s->namespaces[i] = name;
	}
	return 0;
}

/* --namespace-suffix S: every namespace NAME becomes NAME-S; -1 after printing a name grown too long. */
static int suffix_namespaces(struct scenario *s, const char *suffix)
{
	for (size_t i = 0; i < s->nns; i++) {
		char *name = xasprintf("%s-%s", s->namespaces[i], suffix);
		const char *why = k8s_name_problem(name, NAME_MAX_LABEL, 0);
		if (why != NULL) {
			errorf("--namespace-suffix '%s': namespace '%s' %s", suffix, name, why);
			free(name);
			return -1;
		}
		s->namespaces[i] = arena_strdup(s->arena, name);
		free(name);
	}
	return 0;
}

/*
 * --namespace, --namespace-suffix, --set (it edits the file's values), then --scale (it multiplies the counts);
 * the sets are freed. 0, or -1 after printing why.
 */
static int edit_scenario(struct scenario *s, struct options *op)
{
	double set_duration = -1;
	int bad = (op->ns && rename_namespaces(s, op->ns) < 0) ||
		  (op->ns_suffix && suffix_namespaces(s, op->ns_suffix) < 0);

	for (size_t i = 0; i < op->nsets; i++) {
		if (!bad && scenario_set(s, op->sets[i], &set_duration) < 0)
			bad = 1;
		free(op->sets[i]);
	}
	free(op->sets);
	op->sets = NULL;
	if (bad || (op->scale > 1 && scenario_scale(s, op->scale) < 0))
		return -1;
	if (set_duration >= 0)
		op->run.duration = set_duration;
	if (op->scale > 1 || s->nsets) {
		/* Reports show the description: say the scenario is not as its file wrote it. */
		char *d;
		if (op->scale > 1 && s->nsets)
			d = xasprintf("%s (scale x%ld; --set %zu)", s->description, op->scale, s->nsets);
		else if (op->scale > 1)
			d = xasprintf("%s (scale x%ld)", s->description, op->scale);
		else
			d = xasprintf("%s (--set %zu)", s->description, s->nsets);
		s->description = arena_strdup(s->arena, d);
		free(d);
	}
	return 0;
}

static int finish_stdout(int rc)
{
	return rc < 0 ? EXIT_TROUBLE : fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
}

static int print_plan(const struct scenario *s, const struct options *op)
{
	jv p;
	int rc = scenario_plan(s, op->run.duration, op->run.seed, &p);

	if (rc == 0) {
		char *text = json_dump(p, 1);
		fputs(text, stdout);
		free(text);
		jv_free(p);
	}
	return finish_stdout(rc);
}

static int print_controller_args(const struct scenario *s)
{
	for (size_t i = 0; i < s->nargs; i++)
		printf("%s\n", s->controller_args[i]);
	return finish_stdout(0);
}

static int print_check(const struct scenario *s)
{
	struct graph g;
	int rc = graph_build(&g, s);

	if (rc == 0) {
		long users = 0;
		for (size_t i = 0; i < g.ncfg; i++)
			users += (long)g.cfg[i].nusers;
		printf("%s: %zu namespaces, %zu configmaps/secrets, %zu workloads, %ld references, "
		       "%zu update streams\n", s->id, s->nns, g.ncfg, g.nwl, users, s->nupdates);
	}
	graph_free(&g);
	return finish_stdout(rc);
}

/* "DIR/name" for a file beside out (its folder, or none); malloc'd. */
static char *beside(const char *out, const char *name)
{
	const char *slash = strrchr(out, '/');

	return xasprintf("%.*s%s%s", slash ? (int)(slash - out) : 0, out, slash ? "/" : "", name);
}

/* Whether out's folder exists (checked before the cluster is touched). */
static int out_folder_exists(const char *out)
{
	const char *slash = strrchr(out, '/');
	char *dir = slash ? xstrndup(out, (size_t)(slash - out)) : xstrdup(".");
	int ok = fs_is_dir(dir[0] ? dir : "/");

	free(dir);
	return ok;
}

/* Run it against the cluster and write run.json, expected.json and updates.jsonl. */
static int run_and_write(const struct scenario *s, const struct options *op)
{
	if (!out_folder_exists(op->out))
		return errorf("cannot write '%s': its folder does not exist", op->out), EXIT_TROUBLE;

	struct kubeconfig cfg;
	if (kubeconfig_load(&cfg, op->kubeconfig, op->context) < 0)
		return EXIT_TROUBLE;
	char *exp_path = op->expected ? xstrdup(op->expected) : beside(op->out, "expected.json");
	struct run r;
	int rc = run_scenario(&r, s, &op->run, &cfg), ok = 0;
	if (rc == 0 || r.t_phase_start > 0) {
		if (run_write_results(&r, op->out, exp_path, &ok) < 0)
			rc = -1;
		/* The per-update records go beside run.json (not when run.json goes to stdout). */
		if (strcmp(op->out, "-") != 0) {
			char *upd = beside(op->out, "updates.jsonl");
			if (run_write_updates(&r, upd) < 0)
				rc = -1;
			free(upd);
		}
	}
	run_free(&r);
	kubeconfig_free(&cfg);
	free(exp_path);
	if (rc < 0)
		return EXIT_TROUBLE;
	return ok ? 0 : EXIT_FAILED;
}

int main(int argc, char **argv)
{
	struct options op = {
		.run = {
			.arm = "new",
			.duration = -1,
			.seed = 1,
			.setup_timeout = 300,
			.quiet = 2,
			.settle_timeout = 60,
			.max_inflight = 64,
			.progress = 1,
		},
		.mode = MODE_RUN,
		.scale = 1,
	};

	msg_init(argv[0]);
	if (parse_args(argc, argv, &op)) {
		fputs(usage_text, stdout);
		return ferror(stdout) ? EXIT_TROUBLE : 0;
	}

	char *path = scenario_path(op.id);
	struct scenario s;
	int rc = scenario_load(path, &s);
	free(path);
	if (rc < 0)
		return EXIT_TROUBLE;
	if (edit_scenario(&s, &op) < 0) {
		rc = EXIT_TROUBLE;
	} else if (op.mode == MODE_PLAN && op.run.duration < 0) {
		scenario_free(&s);
		usagef("%s", "--plan needs --duration");
	} else {
		switch (op.mode) {
		case MODE_PLAN: rc = print_plan(&s, &op); break;
		case MODE_ARGS: rc = print_controller_args(&s); break;
		case MODE_CHECK: rc = print_check(&s); break;
		case MODE_RUN: rc = run_and_write(&s, &op); break;
		}
	}
	scenario_free(&s);
	return rc;
}
