/* promsnap: snapshot one arm's metrics from Prometheus over the arm's own time window. */
#include "fsio.h"
#include "msg.h"
#include "num.h"
#include "promsnap.h"
#include "wrapper.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"usage: promsnap --url URL --job JOB --start T0 --end T1 --out DIR\n"
	"                [--queries FILE] [--step S] [--series DIR [--series-step S]]\n"
	"                [--fresh T] [--timeout S] [--query-timeout S] [--tries N]\n"
	"                [--verbose]\n"
	"       promsnap wait --url URL --job JOB [--fresh T] [--timeout S]\n"
	"                [--query-timeout S] [--verbose]\n"
	"\n"
	"Run every query of the catalogue at T1 over the window T1 - T0 and write each\n"
	"answer, as Prometheus gave it, to DIR/<file>. A failed query is written as\n"
	"{\"status\":\"error\",...}, never as an empty answer. With --series, also\n"
	"record each time series of the catalogue over [T0, T1] to DIR/<file>.\n"
	"With `wait`, return once every target of JOB is up (and, with --fresh, has a\n"
	"sample newer than T).\n"
	"\n"
	"  --url URL           Prometheus base URL (e.g. http://127.0.0.1:9091)\n"
	"  --job JOB           the arm's scrape job\n"
	"  --start T0          start of the arm's window: unix seconds or RFC 3339\n"
	"  --end T1            end of the window (the queries' evaluation time)\n"
	"  --out DIR           folder for the snapshot files (created if missing)\n"
	"  --queries FILE      query catalogue (default: $LOADTEST_QUERIES, else\n"
	"                      tools/promsnap/queries.yaml above bin/)\n"
	"  --step S            resolution at which counters are read, in seconds; at\n"
	"                      most half the scrape interval (default 1)\n"
	"  --series DIR        also record the catalogue's time series (range queries\n"
	"                      over the window) into DIR (created if missing)\n"
	"  --series-step S     seconds between their points: the scrape interval\n"
	"                      (default 2)\n"
	"  --fresh T           first wait until Prometheus holds a sample of JOB newer\n"
	"                      than T (unix seconds or RFC 3339)\n"
	"  --timeout S         give up waiting after S seconds (default 60)\n"
	"  --query-timeout S   limit on each HTTP request in seconds (default 30)\n"
	"  --tries N           tries per query when the failure may pass (default 3)\n"
	"  -v, --verbose       say what is being done, on stderr\n"
	"  -h, --help          print this help\n"
	"\n"
	"Exit status: 0 every query answered (an answer with no series included) or the\n"
	"wait succeeded, 1 a query failed or a wait timed out, 2 trouble: bad usage, a\n"
	"bad catalogue, an unwritable DIR.\n";

static double seconds_arg(const char *opt, const char *s)
{
	double v;

	/* At most a year: a wait or a request longer than that is a mistake. */
	if (num_double(s, &v) != NULL || v <= 0 || v > 365 * 86400.0)
		usagef("%s takes a positive number of seconds", opt);
	return v;
}

static double time_arg(const char *opt, const char *s)
{
	double v;

	if (prom_parse_time(s, &v) < 0 || v < 0)
		usagef("%s takes unix seconds or an RFC 3339 time (2026-01-01T00:00:00Z)", opt);
	return v;
}

static _Noreturn void print_help(void)
{
	fputs(usage_text, stdout);
	exit(fflush(stdout) != 0 || ferror(stdout) ? EXIT_TROUBLE : EXIT_PASS);
}

enum { O_URL = 256, O_JOB, O_START, O_END, O_OUT, O_QUERIES, O_STEP, O_FRESH, O_TIMEOUT,
       O_QTIMEOUT, O_TRIES, O_VERBOSE, O_HELP, O_SERIES, O_SERIES_STEP };

static const struct option longopts[] = {
	{ "url", required_argument, NULL, O_URL },
	{ "job", required_argument, NULL, O_JOB },
	{ "start", required_argument, NULL, O_START },
	{ "end", required_argument, NULL, O_END },
	{ "out", required_argument, NULL, O_OUT },
	{ "queries", required_argument, NULL, O_QUERIES },
	{ "step", required_argument, NULL, O_STEP },
	{ "series", required_argument, NULL, O_SERIES },
	{ "series-step", required_argument, NULL, O_SERIES_STEP },
	{ "fresh", required_argument, NULL, O_FRESH },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "query-timeout", required_argument, NULL, O_QTIMEOUT },
	{ "tries", required_argument, NULL, O_TRIES },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* One option from getopt_long (c, with optarg) into o. */
static void take_option(struct opts *o, int c, char **argv)
{
	long n;

	switch (c) {
	case O_URL: o->url = optarg; break;
	case O_JOB: o->job = optarg; break;
	case O_START: o->start = time_arg("--start", optarg); o->has_start = 1; break;
	case O_END: o->end = time_arg("--end", optarg); o->has_end = 1; break;
	case O_OUT: o->out = optarg; break;
	case O_QUERIES: free(o->queries); o->queries = xstrdup(optarg); break;
	case O_STEP: o->step = seconds_arg("--step", optarg); o->has_step = 1; break;
	case O_SERIES: o->series_dir = optarg; break;
	case O_SERIES_STEP:
		o->series_step = seconds_arg("--series-step", optarg);
		o->has_series_step = 1;
		break;
	case O_FRESH: o->fresh = time_arg("--fresh", optarg); o->has_fresh = 1; break;
	case O_TIMEOUT: o->timeout_s = seconds_arg("--timeout", optarg); break;
	case O_QTIMEOUT: o->query_timeout_s = seconds_arg("--query-timeout", optarg); break;
	case O_TRIES:
		if (num_long(optarg, 1, 10, &n) != NULL)
			usagef("--tries takes a whole number from 1 to 10, not '%s'", optarg);
		o->tries = (int)n;
		break;
	case O_VERBOSE:
	case 'v': msg_set_verbose(1); break;
	case O_HELP:
	case 'h': print_help();
	case ':': usagef("option needs a value: '%s'", argv[optind - 1]);
	default: usagef("unknown option '%s'", argv[optind - 1]);
	}
}

/* What a snapshot needs: a window, somewhere to write, steps of at least 1 ms. */
static void check_snapshot_args(const struct opts *o)
{
	if (!o->has_start || !o->has_end)
		usagef("--start and --end are required");
	if (o->end <= o->start)
		usagef("--end must be later than --start");
	if (llround(o->end * 1000) - llround(o->start * 1000) < 1)
		usagef("the window must be at least 1 ms");
	if (llround(o->step * 1000) < 1)
		usagef("--step must be at least 1 ms (0.001)");
	if (o->out == NULL || *o->out == '\0')
		usagef("--out is required");
	if (o->series_dir != NULL && *o->series_dir == '\0')
		usagef("--series takes a folder");
	if (o->has_series_step && o->series_dir == NULL)
		usagef("--series-step needs --series");
	if (llround(o->series_step * 1000) < 1)
		usagef("--series-step must be at least 1 ms (0.001)");
}

/* The command line into o, which holds the defaults; a usage error exits with status 2. */
static void parse_args(int argc, char **argv, struct opts *o)
{
	const char *why;
	int c;

	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		o->wait_verb = 1;
		argv++;
		argc--;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1)
		take_option(o, c, argv);
	if (optind < argc)
		usagef("unexpected argument '%s'", argv[optind]);
	if (o->url == NULL)
		usagef("--url is required");
	if (http_check_url(o->url, &why) < 0)
		usagef("bad --url '%s': %s", http_redact_url(o->url), why);
	if (o->job == NULL || *o->job == '\0')
		usagef("--job is required");
	if (!o->wait_verb)
		check_snapshot_args(o);
	else if (o->has_start || o->has_end || o->out || o->queries || o->has_step || o->series_dir ||
		 o->has_series_step)
		usagef("'wait' takes no --start, --end, --out, --queries, --step, --series or --series-step");
}

int main(int argc, char **argv)
{
	struct opts o = {
		.timeout_s = 60,
		.query_timeout_s = 30,
		.tries = 3,
		.step = 1,
		.series_step = 2,
	};
	struct query_cat cat = { 0 };
	struct http_client *http;
	struct prom_api api;
	int rc;

	msg_init(argv[0]);
	/* A peer that hangs up must be an error to report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	parse_args(argc, argv, &o);
	if (!o.wait_verb) {
		if (o.queries == NULL)
			o.queries = queries_default_path();
		if (queries_load(o.queries, &cat) < 0) {
			free(o.queries);
			return EXIT_TROUBLE;
		}
		if (fs_mkdirs(o.out) < 0 || (o.series_dir && fs_mkdirs(o.series_dir) < 0)) {
			queries_free(&cat);
			free(o.queries);
			return EXIT_TROUBLE;
		}
	}
	if (http_global_init() < 0)
		return EXIT_TROUBLE;
	http = http_client_new();
	prom_api_init(&api, o.url, http);
	/* Messages and snapshot files name the server, never its password. */
	char *shown = http_redact_url(o.url);
	api.shown_url = shown;
	api.timeout_ms = (long)ceil(o.query_timeout_s * 1000);
	if (api.connect_timeout_ms > api.timeout_ms)
		api.connect_timeout_ms = api.timeout_ms;
	api.tries = o.tries;

	if (o.wait_verb)
		rc = wait_job(&o, &api);
	else if (o.has_fresh && wait_fresh(&o, &api) < 0)
		rc = EXIT_FAILED;
	else
		rc = snapshot(&o, &cat, &api);

	http_client_free(http);
	http_global_cleanup();
	free(shown);
	queries_free(&cat);
	free(o.queries);
	return rc;
}
