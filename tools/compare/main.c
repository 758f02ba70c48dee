/* compare: judge one scenario's arms (or every scenario) from cached snapshots. */
#include "calibrate.h"
#include "fsio.h"
#include "jsonf.h"
#include "judge.h"
#include "msg.h"
#include "num.h"
#include "render.h"
#include "rules.h"
#include "wrapper.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_text[] =
	"usage: compare --scenario ID [--results-dir DIR] [--format text|json|markdown]\n"
	"               [--output FILE] [--rules FILE] [--alpha A] [--calibration FILE]\n"
	"       compare --summary [--results-dir DIR] [--format text|json|markdown|junit]\n"
	"               [--output FILE] [--rules FILE] [--alpha A] [--calibration FILE]\n"
	"       compare --calibrate [--results-dir DIR] [--format text|json] [--output FILE]\n"
	"\n"
	"Judge the snapshots in DIR/ID/{old,new}/*.json against the rules in FILE and\n"
	"print a report; with --summary, one line per scenario found in DIR.\n"
	"\n"
	"  --scenario ID       scenario folder to report on (S1 ... S13 or any name)\n"
	"  --summary           summarise every scenario in DIR\n"
	"  --results-dir DIR   results folder (default ./results)\n"
	"  --format FMT        text (default), json, markdown; junit (--summary only)\n"
	"  --output FILE       write there, atomically, instead of stdout\n"
	"  --rules FILE        metric catalogue (default: $LOADTEST_RULES, else\n"
	"                      tools/compare/rules.yaml next to bin/)\n"
	"  --alpha A           significance level over repeated runs (default: the\n"
	"                      catalogue's alpha, 0.05)\n"
	"  --calibrate         from an A/A run (one build in both arms, REPEATS >= 2):\n"
	"                      per row its noise, the repeats a 10/20/50 % change\n"
	"                      needs, and whether its threshold is below the noise\n"
	"  --calibration FILE  warn where a row's threshold is below the noise floor\n"
	"                      that FILE (written by --calibrate) records\n"
	"  --help              print this help\n"
	"\n"
	"Status of a scenario: PASS; FAIL (a row failed, a query failed, an arm could\n"
	"not run); INVALID (a run did not do what its scenario says, or nothing was\n"
	"measured: it proves nothing either way). A summary of no scenario is NO RESULTS.\n"
	"\n"
	"Exit status: 0 PASS, 1 FAIL, INVALID or NO RESULTS, 2 trouble: bad usage,\n"
	"unreadable or malformed input.\n"
	"SOURCE_DATE_EPOCH, when set, fixes the report's time stamp.\n";

struct opts {
	const char *scenario;
	const char *dir;
	const char *output;
	char *rules;
	int summary;
	int calibrate;		/* --calibrate: noise per row from an A/A run */
	const char *calibration;	/* a calibration file to warn from */
	double alpha;		/* 0: the catalogue's */
	enum format fmt;
};

static const struct option longopts[] = {
	{ "scenario", required_argument, NULL, 's' },
	{ "summary", no_argument, NULL, 'S' },
	{ "results-dir", required_argument, NULL, 'd' },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "rules", required_argument, NULL, 'r' },
	{ "alpha", required_argument, NULL, 'a' },
	{ "calibrate", no_argument, NULL, 'C' },
	{ "calibration", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static enum format format_arg(const char *s)
{
	if (strcmp(s, "text") == 0)
		return FMT_TEXT;
	if (strcmp(s, "json") == 0)
		return FMT_JSON;
	if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
		return FMT_MARKDOWN;
	if (strcmp(s, "junit") == 0)
		return FMT_JUNIT;
	dief(EXIT_TROUBLE, "unknown format '%s': use text, json, markdown or junit", s);
}

/* One option from getopt_long (c, with optarg) into o. */
static void take_option(struct opts *o, int c, char **argv)
{
	switch (c) {
	case 's': o->scenario = optarg; break;
	case 'S': o->summary = 1; break;
	case 'C': o->calibrate = 1; break;
	case 'c': o->calibration = optarg; break;
	case 'd': o->dir = optarg; break;
	case 'o': o->output = optarg; break;
	case 'r': free(o->rules); o->rules = xstrdup(optarg); break;
	case 'a':
		if (num_double(optarg, &o->alpha) != NULL || !(o->alpha > 0 && o->alpha < 1))
			usagef("--alpha must be a number between 0 and 1, e.g. 0.05");
		break;
	case 'f': o->fmt = format_arg(optarg); break;
	case 'h':
		fputs(usage_text, stdout);
		exit(ferror(stdout) ? EXIT_TROUBLE : 0);
	case ':': usagef("option needs a value: '%s'", argv[optind - 1]);
	default: usagef("unknown option '%s'", argv[optind - 1]);
	}
}

/* The command line into o, which holds the defaults; a usage error exits with status 2. */
static void parse_args(int argc, char **argv, struct opts *o)
{
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1)
		take_option(o, c, argv);
	if (optind < argc)
		usagef("unexpected argument '%s'", argv[optind]);
	if (!o->summary && !o->calibrate && o->scenario == NULL)
		usagef("one of --scenario, --summary or --calibrate is required");
	if (o->summary + o->calibrate + (o->scenario != NULL) > 1)
		usagef("--scenario, --summary and --calibrate exclude each other");
	if (o->calibrate && (o->fmt == FMT_MARKDOWN || o->fmt == FMT_JUNIT))
		usagef("--calibrate writes text or json");
	if (o->fmt == FMT_JUNIT && !o->summary)
		usagef("--format junit is for --summary (one testsuite per scenario)");
	if (o->scenario && (*o->scenario == '\0' || strchr(o->scenario, '/') || strcmp(o->scenario, "..") == 0))
		usagef("--scenario must be a folder name inside the results folder");
	if (*o->dir == '\0')
		usagef("--results-dir must not be empty");
}

static time_t report_time(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	long v;

	if (e && *e) {
		if (num_long(e, 0, LONG_MAX, &v) == NULL)
			return (time_t)v;
		warnf("ignoring SOURCE_DATE_EPOCH='%s': not a number of seconds", e);
	}
	return time(NULL);
}

/* Warnings of a calibration file on the rows of rep. */
static void warn_from(jv cal, struct report *rep)
{
	if (!jv_is_valid(cal))
		return;
	for (size_t i = 0; i < rep->n; i++)
		calibration_warning(cal, rep, &rep->rows[i], rep->rows[i].warning, sizeof(rep->rows[i].warning));
}

static void render(struct sbuf *out, enum format fmt, const struct report *rep, time_t when)
{
	switch (fmt) {
	case FMT_TEXT: render_text(out, rep, when); break;
	case FMT_JSON: render_json(out, rep, when); break;
	case FMT_MARKDOWN: render_markdown(out, rep, when); break;
	case FMT_JUNIT: break;	/* refused for one scenario by parse_args */
	}
}

static int one_scenario(const struct opts *o, const struct catalogue *cat, jv cal, struct sbuf *out)
{
	struct report rep;

	if (report_build(cat, o->dir, o->scenario, &rep) < 0)
		return EXIT_TROUBLE;
	warn_from(cal, &rep);
	render(out, o->fmt, &rep, report_time());
	int rc = report_passed(&rep) ? EXIT_PASS : EXIT_FAILED;
	report_free(&rep);
	return rc;
}

/* A scenario folder is one that holds an old/ or a new/ arm. */
static int is_scenario(const char *dir, const char *name)
{
	char *s = fs_join(dir, name), *o = fs_join(s, "old"), *n = fs_join(s, "new");
	int yes = fs_is_dir(o) || fs_is_dir(n);

	free(s);
	free(o);
	free(n);
	return yes;
}

static int summary(const struct opts *o, const struct catalogue *cat, jv cal, struct sbuf *out)
{
	size_t nd = 0, n = 0;
	char **dirs = fs_subdirs(o->dir, &nd);
	struct summary_item *items;
	int rc = EXIT_PASS;

	if (dirs == NULL) {
		errorf_errno("cannot read results folder '%s'", o->dir);
		return EXIT_TROUBLE;
	}
	items = xcalloc(nd, sizeof(*items));
	for (size_t i = 0; i < nd; i++) {
		if (!is_scenario(o->dir, dirs[i]))
			continue;
		struct summary_item *it = &items[n++];
		it->id = dirs[i];
		if (report_build(cat, o->dir, dirs[i], &it->rep) < 0) {
			it->trouble = 1;
			rc = EXIT_TROUBLE;
		} else if (warn_from(cal, &it->rep), !report_passed(&it->rep) && rc == EXIT_PASS) {
			rc = EXIT_FAILED;
		}
	}
	/* Repeated runs: Holm's adjustment again, across every scenario's statistical rows. */
	struct report **reps = xcalloc(n, sizeof(*reps));
	size_t nr = 0;
	for (size_t i = 0; i < n; i++)
		if (!items[i].trouble && items[i].rep.repeated)
			reps[nr++] = &items[i].rep;
	if (nr > 0) {
		reports_holm(reps, nr, cat->alpha);
		rc = rc == EXIT_TROUBLE ? rc : EXIT_PASS;
		for (size_t i = 0; i < n; i++)
			if (!items[i].trouble && !report_passed(&items[i].rep) && rc == EXIT_PASS)
				rc = EXIT_FAILED;
	}
	free(reps);
	/* No scenario at all is a summary that says so, and not a pass. */
	if (n == 0) {
		warnf("no scenario results in '%s' (expected DIR/<scenario>/old or new)", o->dir);
		rc = EXIT_FAILED;
	}
	render_summary(out, o->fmt, items, n, report_time());
	for (size_t i = 0; i < n; i++)
		if (!items[i].trouble)
			report_free(&items[i].rep);
	free(items);
	fs_free_list(dirs);
	return rc;
}

/* --calibrate: every repeated scenario of an A/A run, its rows' noise. */
static int calibrate(const struct opts *o, const struct catalogue *cat, struct sbuf *out)
{
	size_t nd = 0;
	char **dirs = fs_subdirs(o->dir, &nd);
	jv rows = jv_array();
	int rc = 0;

	if (dirs == NULL) {
		errorf_errno("cannot read results folder '%s'", o->dir);
		return EXIT_TROUBLE;
	}
	for (size_t i = 0; i < nd && rc == 0; i++) {
		struct report rep;
		if (!is_scenario(o->dir, dirs[i]))
			continue;
		if (report_build(cat, o->dir, dirs[i], &rep) < 0) {
			rc = EXIT_TROUBLE;
			break;
		}
		if (!rep.repeated || rep.nrep[ARM_OLD] < 2 || rep.nrep[ARM_NEW] < 2)
			warnf("%s: not calibrated: an A/A run needs 2 repeats or more in both arms (REPEATS=N)", dirs[i]);
		else
			rows = jv_array_concat(rows, calibrate_report(&rep));
		report_free(&rep);
	}
	fs_free_list(dirs);
	if (rc == 0 && jv_array_length(jv_copy(rows)) == 0) {
		errorf("nothing to calibrate in '%s': no scenario with repeated arms", o->dir);
		rc = EXIT_TROUBLE;
	}
	if (rc == 0)
		render_calibration(out, o->fmt, rows, cat->alpha, report_time());
	jv_free(rows);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { .dir = "./results", .fmt = FMT_TEXT };
	struct catalogue cat;
	struct sbuf out = SBUF_INIT;
	int rc;

	msg_init(argv[0]);
	parse_args(argc, argv, &o);
	if (o.rules == NULL)
		o.rules = catalogue_default_path();
	if (catalogue_load(o.rules, &cat) < 0) {
		free(o.rules);
		return EXIT_TROUBLE;
	}
	if (o.alpha > 0)
		cat.alpha = o.alpha;
	jv cal = jv_invalid();
	if (o.calibration && calibration_load(o.calibration, &cal) < 0) {
		catalogue_free(&cat);
		free(o.rules);
		return EXIT_TROUBLE;
	}
	if (!fs_is_dir(o.dir)) {
		errorf("results folder '%s' does not exist", o.dir);
		rc = EXIT_TROUBLE;
	} else {
		rc = o.calibrate ? calibrate(&o, &cat, &out) :
		     o.summary ? summary(&o, &cat, cal, &out) : one_scenario(&o, &cat, cal, &out);
	}
	/* Nothing is written when the input was unusable: no half report. */
	if (out.len > 0 && (rc != EXIT_TROUBLE || o.summary)) {
		if (fs_write_atomic(o.output ? o.output : "-", sbuf_str(&out), out.len) < 0)
			rc = EXIT_TROUBLE;
	}
	sbuf_free(&out);
	jv_free(cal);
	catalogue_free(&cat);
	free(o.rules);
	if (fclose(stdout) != 0 && rc != EXIT_TROUBLE) {
		errorf_errno("cannot write to stdout");
		rc = EXIT_TROUBLE;
	}
	return rc;
}
