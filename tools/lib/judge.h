/*
 * The rule engine: reads one scenario's arms from a results folder, extracts every
 * catalogue row, and judges it. Rendering is left to the caller.
 */
#ifndef LT_JUDGE_H
#define LT_JUDGE_H

#include <jv.h>
#include "rules.h"

enum row_status { ST_PASS, ST_FAIL, ST_INFO, ST_NA, ST_ERROR };

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
	const struct catalogue *cat;
};

/*
 * Build and judge the report for DIR/scenario. Returns 0; -1 after printing why when
 * the input is unusable (no arm, malformed file).
 */
int report_build(const struct catalogue *c, const char *dir, const char *scenario, struct report *rep);
void report_free(struct report *rep);
/* Judge rows whose values are already filled in (used by report_build and the unit tests). */
void report_judge(struct report *rep);
const char *row_status_name(enum row_status s);
/* "PASS", "FAIL" or "INVALID". */
const char *verdict_name(enum verdict v);
int report_passed(const struct report *rep);
/* Read an arm's self-checks from its run.json (borrowed) into rep; -1 after printing why. */
int report_add_checks(struct report *rep, int arm, const char *path, jv run);
/* The arm of a single-arm report (ARM_OLD or ARM_NEW), or -1 for an A/B report. */
int report_single_arm(const struct report *rep);
const char *arm_name(int arm);

#endif
