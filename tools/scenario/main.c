/* scenario: run one declarative scenario against a cluster and write the arm's results. */
#include "arena.h"
#include "driver.h"
#include "fsio.h"
#include "jsonf.h"
#include "kubeconfig.h"
#include "model.h"
#include "msg.h"
#include "num.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"usage: scenario --scenario ID|FILE --duration SECONDS --out FILE [--arm NAME]\n"
	"                [--namespace NS] [--seed N] [--kubeconfig FILES] [--context NAME]\n"
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

static _Noreturn void usage(const char *fmt, const char *arg)
{
	char buf[512];

	snprintf(buf, sizeof(buf), fmt, arg);
	dief(EXIT_TROUBLE, "%s (see 'scenario --help')", buf);
}

static double seconds_arg(const char *name, const char *s, double min)
{
	double v;

	if (num_double(s, &v) != NULL || v < min || v > 1e7) {
		char buf[128];
		snprintf(buf, sizeof(buf), "--%s needs a number of seconds, not '%%s'", name);
		usage(buf, s);
	}
	return v;
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "expected", required_argument, NULL, 'e' },
		{ "arm", required_argument, NULL, 'a' },
		{ "namespace", required_argument, NULL, 'n' },
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
	struct run_opts o = {
		.arm = "new",
		.duration = -1,
		.seed = 1,
		.setup_timeout = 300,
		.quiet = 2,
		.settle_timeout = 60,
		.max_inflight = 64,
		.progress = 1,
	};
	const char *id = NULL, *out = NULL, *expected = NULL, *ns = NULL, *kubeconfig = NULL, *context = NULL;
	int check = 0, print_args = 0, plan = 0, c;
	long scale = 1;
	char **sets = NULL;
	size_t nsets = 0;

	msg_init(argv[0]);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': id = optarg; break;
		case 'd': o.duration = seconds_arg("duration", optarg, 1); break;
		case 'o': out = optarg; break;
		case 'e': expected = optarg; break;
		case 'a': o.arm = optarg; break;
		case 'n': ns = optarg; break;
		case 'k': kubeconfig = optarg; break;
		case 'c': context = optarg; break;
		case 'T': o.setup_timeout = seconds_arg("setup-timeout", optarg, 0); break;
		case 'q': o.quiet = seconds_arg("quiet", optarg, 0); break;
		case 'Q': o.settle_timeout = seconds_arg("settle-timeout", optarg, 0); break;
		case 'P': o.progress = 0; break;
		case 'D': o.delete_after = 1; break;
		case 'C': check = 1; break;
		case 'A': print_args = 1; break;
		case 'L': plan = 1; break;
		case 'F': o.fixed_inflight = 1; break;
		case 'x':
			/* Decimal digits only: no sign, no 0x, no spaces. */
			if (num_long(optarg, 1, SCENARIO_MAX_COUNT, &scale) != NULL)
				usage("--scale needs a whole number from 1 to 1000000, not '%s'", optarg);
			break;
		case 'X': {
			/* KEY=VALUE,KEY=VALUE: names and values hold no comma. */
			char *copy = strdup(optarg), *save = NULL, *item;
			if (copy == NULL)
				dief(EXIT_TROUBLE, "out of memory");
			if (*copy == '\0' || copy[strlen(copy) - 1] == ',' || *copy == ',' || strstr(copy, ",,"))
				usage("--set needs KEY=VALUE[,KEY=VALUE...], not '%s'", optarg);
			for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
				char **p = realloc(sets, (nsets + 1) * sizeof(*sets));
				if (p == NULL || (p[nsets] = strdup(item)) == NULL)
					dief(EXIT_TROUBLE, "out of memory");
				sets = p;
				nsets++;
			}
			free(copy);
			break;
		}
		case 'S': {
			long v;
			if (num_long(optarg, 0, LONG_MAX, &v) != NULL)
				usage("--seed needs a whole number, not '%s'", optarg);
			o.seed = (unsigned long)v;
			break;
		}
		case 'm': {
			long v;
			if (num_long(optarg, 1, 4096, &v) != NULL)
				usage("--max-inflight needs a number from 1 to 4096, not '%s'", optarg);
			o.max_inflight = (int)v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			return ferror(stdout) ? EXIT_TROUBLE : 0;
		case ':':
			usage("option needs a value: '%s'", argv[optind - 1]);
		default:
			usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		if (strcmp(argv[optind - 1], "--") != 0)
			usage("unexpected argument '%s'", argv[optind]);
		o.restart_cmd = &argv[optind];
	}
	if (id == NULL)
		usage("%s", "--scenario is required");
	if (plan && (check || print_args))
		usage("%s", "--plan, --check and --controller-args go alone");
	if (plan && o.duration < 0 && nsets == 0)
		usage("%s", "--plan needs --duration");
	if (!check && !print_args && !plan) {
		if (o.duration < 0)
			usage("%s", "--duration is required");
		if (out == NULL)
			usage("%s", "--out is required");
	}
	if (ns && k8s_name_problem(ns, NAME_MAX_LABEL, 0) != NULL)
		usage("--namespace needs a namespace name (lowercase letters, digits and '-', at most 63), not '%s'", ns);

	char *path = scenario_path(id);
	struct scenario s;
	if (path == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	if (scenario_load(path, &s) < 0) {
		free(path);
		return EXIT_TROUBLE;
	}
	free(path);
	if (ns && rename_namespaces(&s, ns) < 0) {
		scenario_free(&s);
		return EXIT_TROUBLE;
	}
	{
		/* --set first (it edits the file's values), then --scale multiplies the counts. */
		double set_duration = -1;
		int bad = 0;
		for (size_t i = 0; i < nsets; i++) {
			if (!bad && scenario_set(&s, sets[i], &set_duration) < 0)
				bad = 1;
			free(sets[i]);
		}
		free(sets);
		if (bad || (scale > 1 && scenario_scale(&s, scale) < 0)) {
			scenario_free(&s);
			return EXIT_TROUBLE;
		}
		if (set_duration >= 0)
			o.duration = set_duration;
		if (plan && o.duration < 0) {
			scenario_free(&s);
			usage("%s", "--plan needs --duration");
		}
		if (scale > 1 || s.nsets) {
			/* Reports show the description: say the scenario is not as its file wrote it. */
			char *d = NULL;
			int n;
			if (scale > 1 && s.nsets)
				n = asprintf(&d, "%s (scale x%ld; --set %zu)", s.description, scale, s.nsets);
			else if (scale > 1)
				n = asprintf(&d, "%s (scale x%ld)", s.description, scale);
			else
				n = asprintf(&d, "%s (--set %zu)", s.description, s.nsets);
			if (n < 0)
				dief(EXIT_TROUBLE, "out of memory");
			s.description = arena_strdup(s.arena, d);
			free(d);
		}
	}
	if (plan) {
		jv p;
		int rc = scenario_plan(&s, o.duration, o.seed, &p);
		if (rc == 0) {
			char *text = json_dump(p, 1);
			fputs(text, stdout);
			free(text);
			jv_free(p);
		}
		scenario_free(&s);
		return rc < 0 ? EXIT_TROUBLE : fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
	}
	if (print_args) {
		for (size_t i = 0; i < s.nargs; i++)
			printf("%s\n", s.controller_args[i]);
		scenario_free(&s);
		return fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
	}
	if (check) {
		struct graph g;
		int rc = graph_build(&g, &s);
		if (rc == 0) {
			long users = 0;
			for (size_t i = 0; i < g.ncfg; i++)
				users += (long)g.cfg[i].nusers;
			printf("%s: %zu namespaces, %zu configmaps/secrets, %zu workloads, %ld references, "
			       "%zu update streams\n", s.id, s.nns, g.ncfg, g.nwl, users, s.nupdates);
		}
		graph_free(&g);
		scenario_free(&s);
		return rc < 0 ? EXIT_TROUBLE : fclose(stdout) == 0 ? 0 : EXIT_TROUBLE;
	}

	/* Results go next to each other; check the folder before touching the cluster. */
	char *exp_path = NULL;
	if (expected == NULL) {
		const char *slash = strrchr(out, '/');
		if (asprintf(&exp_path, "%.*s%sexpected.json", slash ? (int)(slash - out) : 0, out, slash ? "/" : "") < 0)
			dief(EXIT_TROUBLE, "out of memory");
	} else {
		exp_path = strdup(expected);
	}
	{
		const char *slash = strrchr(out, '/');
		char *dir = slash ? strndup(out, (size_t)(slash - out)) : strdup(".");
		int okdir = dir && fs_is_dir(dir[0] ? dir : "/");
		free(dir);
		if (!okdir) {
			errorf("cannot write '%s': its folder does not exist", out);
			free(exp_path);
			scenario_free(&s);
			return EXIT_TROUBLE;
		}
	}

	struct kubeconfig cfg;
	if (kubeconfig_load(&cfg, kubeconfig, context) < 0) {
		free(exp_path);
		scenario_free(&s);
		return EXIT_TROUBLE;
	}
	struct run r;
	int rc = run_scenario(&r, &s, &o, &cfg), ok = 0;
	if (rc == 0 || r.t_phase_start > 0) {
		if (run_write_results(&r, out, exp_path, &ok) < 0)
			rc = -1;
		/* The per-update records go beside run.json (not when run.json goes to stdout). */
		if (strcmp(out, "-") != 0) {
			const char *slash = strrchr(out, '/');
			char *upd;
			if (asprintf(&upd, "%.*s%supdates.jsonl", slash ? (int)(slash - out) : 0, out, slash ? "/" : "") < 0)
				dief(EXIT_TROUBLE, "out of memory");
			if (run_write_updates(&r, upd) < 0)
				rc = -1;
			free(upd);
		}
	}
	run_free(&r);
	kubeconfig_free(&cfg);
	free(exp_path);
	scenario_free(&s);
	if (rc < 0)
		return EXIT_TROUBLE;
	return ok ? 0 : EXIT_FAILED;
}
