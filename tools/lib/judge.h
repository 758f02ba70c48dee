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

struct report {
	char *scenario;
	int has_arm[2];
	jv expected[2];		/* the expectations each arm ran with (object or null) */
	int expected_shared;	/* both came from the reference's single expected.json */
	char *description;
	char *arm_failed[2];	/* DIR/S/ARM/FAILED: why the arm's run failed, or NULL */
	struct row *rows;
	size_t n;
	size_t npass, nfail;
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
int report_passed(const struct report *rep);
/* The arm of a single-arm report (ARM_OLD or ARM_NEW), or -1 for an A/B report. */
int report_single_arm(const struct report *rep);
const char *arm_name(int arm);

#endif
