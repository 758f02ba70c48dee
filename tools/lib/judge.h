/*
 * The rule engine: reads one scenario's arms from a results folder, extracts every
 * catalogue row, and judges it. Rendering is left to the caller.
 */
#ifndef LT_JUDGE_H
#define LT_JUDGE_H

#include <jv.h>
#include "msg.h"
#include "rules.h"

enum row_status { ST_PASS, ST_FAIL, ST_INFO, ST_NA, ST_ERROR };

/* A row's statistical verdict over repeated runs (n >= 2 in both arms, not an exact row). */
enum stat_verdict {
	SV_NONE,		/* no statistics: one run per arm, or an exact row */
	SV_SAME,		/* "~": no significant change (or significant but within the threshold) */
	SV_IMPROVED,		/* significant, in the good direction */
	SV_REGRESSED,		/* significant and beyond the row's threshold, in the bad direction */
	SV_INCONCLUSIVE,	/* n too small for any p below alpha: the threshold rule on medians */
};

/* Repeats of a row: per-arm values, their medians' intervals, the difference, the test. */
struct row_stats {
	int exact;		/* judged in every repeat, not statistically */
	size_t rep_judged, rep_failed;	/* exact rows: repeats judged, and failed */
	size_t n[2];		/* measured repeats per arm */
	double *vals[2];	/* their values, sorted */
	double med_lo[2], med_hi[2], med_cov[2];	/* interval of each median, its coverage */
	int has_ratio;		/* new/old as a ratio (all values > 0), else a shift */
	double diff, diff_lo, diff_hi, diff_cov;	/* ratio of medians or HL shift; interval */
	int has_p;
	double p, p_adj;	/* exact Mann-Whitney, and Holm-adjusted */
	double pmin;		/* the smallest p these values' ties allow */
	int in_family;		/* a primary row that can reach alpha: Holm's family */
	enum stat_verdict sv;
	int thr_status;		/* the threshold rule's verdict on the medians (enum row_status) */
	char thr_reason[200];	/* ... and its reason: what an inconclusive row falls back to */
};

struct row {
	const struct metric_def *m;
	const struct rule *r;
	struct mvalue v[2];	/* [0] old, [1] new */
	int has_exp[2];
	double exp[2];
	int meets[2];		/* -1: no expectation or no value, 0: misses, 1: meets */
	int has_diff;
	double diff, diff_pct;
	enum row_status status;
	char reason[200];
	int shown;		/* optional rows without any file are left out */
	struct row_stats st;	/* repeats; zero for one run per arm */
	char warning[240];	/* a caveat for readers (e.g. a threshold below calibrated noise), or "" */
};

enum { ARM_OLD = 0, ARM_NEW = 1 };

/*
 * A scenario's verdict. FAIL: the new build regressed (a row failed, an arm could not run).
 * INVALID: a run did not do what its scenario says (a self-check failed), or nothing was
 * measured; such a run proves nothing either way and is never a PASS.
 */
enum verdict { V_PASS, V_FAIL, V_INVALID };

/* One self-check of an arm's run (run.json "checks"): what it measured, what it required. */
struct check {
	int arm;
	int repeat;		/* 1..N when the arm was repeated, 0 for one run */
	int ok;
	char name[64];
	char value[160];
	char required[160];
};

struct report {
	char *scenario;
	int has_arm[2];
	jv expected[2];		/* the expectations each arm ran with (object or null) */
	int expected_shared;	/* both came from the reference's single expected.json */
	char *description;
	char *arm_failed[2];	/* DIR/S/ARM/FAILED: why the arm's run failed, or NULL */
	char *arm_invalid[2];	/* why the arm's run proves nothing (INVALID marker, run.json), or NULL */
	struct check *checks;	/* every arm's self-checks, old first */
	size_t nchecks;
	struct row *rows;
	size_t n;
	size_t npass, nfail;
	size_t njudged;		/* rows that passed, failed or errored: 0 means nothing was measured */
	enum verdict verdict;
	char invalid_reason[400];	/* why the verdict is INVALID */
	size_t nrep[2];		/* runs per arm: 0 no arm, 1 one run (flat folder), N repeats */
	int repeated;		/* some arm has repeat folders (1/, 2/, ...) */
	size_t nstat;		/* rows judged by the test: Holm's family within the scenario */
	const struct catalogue *cat;
};

/*
 * Build and judge the report for DIR/scenario. Returns 0; -1 after printing why when
 * the input is unusable (no arm, malformed file). An arm folder holding numbered folders
 * (DIR/S/old/1, 2, ...) is a repeated arm: every repeat is read, exact rows are judged in
 * each repeat, the others by the exact Mann-Whitney test with Holm's adjustment.
 */
int report_build(const struct catalogue *c, const char *dir, const char *scenario, struct report *rep);
/* One run per arm: the report of the arm folders adir[0] (old) and adir[1] (new), either NULL
 * or missing for an arm that did not run; sdir holds the reference's shared expected.json. */
int report_build_dirs(const struct catalogue *c, const char *sdir, const char *scenario, char *const adir[2],
		      struct report *rep);
/* Repeated arms (judge_repeats.c). */
int report_build_repeats(const struct catalogue *c, const char *sdir, const char *scenario, char *const adir[2],
			 struct report *rep);
/* The numbered repeat folders of an arm folder (naturally sorted, NULL-terminated, into
 * *names when names is not NULL); 0 when it has none (one run, or no folder). */
size_t arm_repeats(const char *adir, char ***names);
/* Decide the statistical rows of reps[0..n-1] with Holm's adjustment across all of them
 * (the summary's family: every scenario), then their verdicts again. */
void reports_holm(struct report *const *reps, size_t n, double alpha);
/* Count the rows' statuses, then the verdict (after statuses change). */
void report_count(struct report *rep);
/* The verdict from the rows, markers and checks (report_count calls it). */
void report_verdict(struct report *rep);
const char *stat_verdict_name(enum stat_verdict v);
/* A row's status and its reason, printf-style. */
void row_set(struct row *row, enum row_status st, const char *fmt, ...) LT_PRINTF(3, 4);
void report_free(struct report *rep);
/* Judge rows whose values are already filled in (used by report_build and the unit tests). */
void report_judge(struct report *rep);
const char *row_status_name(enum row_status s);
/* "PASS", "FAIL" or "INVALID". */
const char *verdict_name(enum verdict v);
int report_passed(const struct report *rep);
/* Append a check to rep's (grown by doubling: a run.json may list many). */
void report_push_check(struct report *rep, const struct check *ck);
/* Read an arm's self-checks from its run.json (borrowed) into rep; -1 after printing why. */
int report_add_checks(struct report *rep, int arm, const char *path, jv run);
/* The arm of a single-arm report (ARM_OLD or ARM_NEW), or -1 for an A/B report. */
int report_single_arm(const struct report *rep);
const char *arm_name(int arm);

#endif
