/*
 * Judging a report's rows: rules, overrides and expectations applied, the verdict counted.
 * Reading the results into the report is judge_load.c's.
 */
#include "judge.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *arm_name(int arm)
{
	return arm == ARM_OLD ? "old" : "new";
}

const char *row_status_name(enum row_status s)
{
	switch (s) {
	case ST_PASS: return "pass";
	case ST_FAIL: return "fail";
	case ST_INFO: return "info";
	case ST_NA: return "n/a";
	case ST_ERROR: return "error";
	}
	return "?";
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_PASS: return "PASS";
	case V_FAIL: return "FAIL";
	case V_INVALID: return "INVALID";
	}
	return "?";
}

int report_single_arm(const struct report *rep)
{
	if (rep->has_arm[ARM_OLD] && rep->has_arm[ARM_NEW])
		return -1;
	return rep->has_arm[ARM_NEW] ? ARM_NEW : ARM_OLD;
}

int report_passed(const struct report *rep)
{
	return rep->verdict == V_PASS;
}

static int measured(const struct mvalue *v)
{
	return v->state == MV_VALUE;
}

static int meets_expected(const struct report *rep, double v, double e)
{
	double tol = rep->cat->expected_tolerance_pct / 100.0;

	return fabs(v - e) <= tol * fabs(e);
}

static const struct row *find_row(const struct report *rep, const char *name, const struct row *self)
{
	if (name == NULL)
		return self;
	for (size_t i = 0; i < rep->n; i++)
		if (strcmp(rep->rows[i].m->name, name) == 0)
			return &rep->rows[i];
	return NULL;
}

static int cond_arm_holds(const struct row *row, int arm, const struct cond *c)
{
	switch (c->op) {
	case OP_MEETS_EXPECTED:
		return row->meets[arm] == 1;
	case OP_MISSES_EXPECTED:
		return row->meets[arm] == 0;
	default:
		break;
	}
	if (!measured(&row->v[arm]))
		return 0;
	double v = row->v[arm].value;
	switch (c->op) {
	case OP_EQ: return v == c->num;
	case OP_LT: return v < c->num;
	case OP_GT: return v > c->num;
	case OP_LE: return v <= c->num;
	case OP_GE: return v >= c->num;
	default: return 0;
	}
}

static int alt_holds(const struct report *rep, const struct row *self, const struct alt *alt)
{
	for (size_t i = 0; i < alt->n; i++) {
		const struct cond *c = &alt->conds[i];
		const struct row *row = find_row(rep, c->metric, self);
		int ok;

		if (row == NULL)
			return 0;
		if (c->arm == SEL_BOTH)
			ok = cond_arm_holds(row, ARM_OLD, c) && cond_arm_holds(row, ARM_NEW, c);
		else
			ok = cond_arm_holds(row, c->arm == SEL_OLD ? ARM_OLD : ARM_NEW, c);
		if (!ok)
			return 0;
	}
	return 1;
}

void row_set(struct row *row, enum row_status st, const char *fmt, ...)
{
	va_list ap;

	row->status = st;
	va_start(ap, fmt);
	vsnprintf(row->reason, sizeof(row->reason), fmt, ap);
	va_end(ap);
}

/* Absolute bounds apply to the judged arm's value whatever the other arm did. */
static int check_bounds(struct row *row, int arm)
{
	const struct rule *r = row->r;
	double v = row->v[arm].value;

	if (r->has_max_value && v > r->max_value) {
		row_set(row, ST_FAIL, "%s %g is above the limit %g", arm_name(arm), v, r->max_value);
		return 1;
	}
	if (r->has_min_value && v < r->min_value) {
		row_set(row, ST_FAIL, "%s %g is below the limit %g", arm_name(arm), v, r->min_value);
		return 1;
	}
	return 0;
}

static void judge_single(const struct report *rep, struct row *row, int arm)
{
	const struct rule *r = row->r;

	(void)rep;
	if (r->kind == RK_INFO) {
		row_set(row, ST_INFO, "informational");
		return;
	}
	if (r->kind == RK_MATCH && row->has_exp[arm]) {
		if (row->meets[arm])
			row_set(row, ST_PASS, "meets expected %g", row->exp[arm]);
		else
			row_set(row, ST_FAIL, "%s %g misses expected %g (±%g%%)", arm_name(arm), row->v[arm].value,
			    row->exp[arm], rep->cat->expected_tolerance_pct);
		return;
	}
	if (check_bounds(row, arm))
		return;
	if (r->has_max_value || r->has_min_value)
		row_set(row, ST_PASS, "within limits");
	else
		row_set(row, ST_INFO, "nothing to compare with");
}

static void judge_ab(const struct report *rep, struct row *row)
{
	const struct rule *r = row->r;
	double o = row->v[ARM_OLD].value, n = row->v[ARM_NEW].value;

	if (r->kind == RK_INFO) {
		row_set(row, ST_INFO, "informational");
		return;
	}
	if (r->kind == RK_MATCH && row->has_exp[ARM_NEW]) {
		if (row->meets[ARM_NEW])
			row_set(row, ST_PASS, "new meets expected %g", row->exp[ARM_NEW]);
		else
			row_set(row, ST_FAIL, "new %g misses expected %g (±%g%%)", n, row->exp[ARM_NEW],
			    rep->cat->expected_tolerance_pct);
	} else if (!measured(&row->v[ARM_OLD])) {
		row_set(row, ST_INFO, "old: %s", row->v[ARM_OLD].why);
	} else if (o == 0 && n != 0 && r->new_metric_info && !row->has_exp[ARM_NEW]) {
		row_set(row, ST_INFO, "new metric (0 on old)");
	} else {
		double ad = fabs(row->diff);
		switch (r->kind) {
		case RK_LOWER:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				row_set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && row->diff_pct > r->max_diff_pct)
				row_set(row, ST_FAIL, "new is %+.1f%% above old (limit %g%%)", row->diff_pct, r->max_diff_pct);
			else
				row_set(row, ST_PASS, "%+.1f%%", row->diff_pct);
			break;
		case RK_HIGHER:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				row_set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && row->diff_pct < -r->max_diff_pct)
				row_set(row, ST_FAIL, "new is %.1f%% below old (limit %g%%)", -row->diff_pct, r->max_diff_pct);
			else
				row_set(row, ST_PASS, "%+.1f%%", row->diff_pct);
			break;
		case RK_MATCH:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				row_set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && fabs(row->diff_pct) > r->max_diff_pct)
				row_set(row, ST_FAIL, "new differs from old by %+.1f%% (limit %g%%)", row->diff_pct,
				    r->max_diff_pct);
			else
				row_set(row, ST_PASS, "%+.1f%%", row->diff_pct);
			break;
		case RK_INFO:
			break;
		}
	}
	if (row->status != ST_FAIL)
		check_bounds(row, ARM_NEW);
	if (row->status == ST_FAIL) {
		for (size_t k = 0; k < r->npass; k++) {
			if (alt_holds(rep, row, &r->pass_if[k])) {
				row_set(row, ST_PASS, "passes by rule %zu of pass_if", k + 1);
				break;
			}
		}
	}
}

void report_judge(struct report *rep)
{
	int single = report_single_arm(rep);

	/* Values and expectations first: pass_if conditions look at other rows. */
	for (size_t i = 0; i < rep->n; i++) {
		struct row *row = &rep->rows[i];
		row->shown = !row->m->optional || row->v[0].state != MV_NOFILE || row->v[1].state != MV_NOFILE;
		for (int a = 0; a < 2; a++)
			row->meets[a] = row->has_exp[a] && measured(&row->v[a]) ?
				meets_expected(rep, row->v[a].value, row->exp[a]) : -1;
		row->has_diff = single < 0 && measured(&row->v[0]) && measured(&row->v[1]);
		if (row->has_diff) {
			double o = row->v[0].value, n = row->v[1].value;
			row->diff = n - o;
			row->diff_pct = o != 0 ? row->diff / o * 100.0 : n != 0 ? 100.0 : 0.0;
		}
	}
	for (size_t i = 0; i < rep->n; i++) {
		struct row *row = &rep->rows[i];
		int judged = single < 0 ? ARM_NEW : single;

		row->status = ST_NA;
		row->reason[0] = '\0';
		if (!row->shown) {
			row_set(row, ST_NA, "no file");
			continue;
		}
		for (int a = 0; a < 2; a++) {
			if (row->v[a].state == MV_QUERY_ERROR && rep->has_arm[a]) {
				row_set(row, ST_ERROR, "query failed on %s: %s", arm_name(a), row->v[a].why);
				break;
			}
		}
		if (row->status == ST_ERROR)
			continue;
		if (!measured(&row->v[judged])) {
			row_set(row, ST_NA, "%s: %s", arm_name(judged), row->v[judged].why);
			continue;
		}
		if (single >= 0)
			judge_single(rep, row, single);
		else
			judge_ab(rep, row);
	}
	report_count(rep);
}

void report_count(struct report *rep)
{
	rep->npass = rep->nfail = 0;
	for (size_t i = 0; i < rep->n; i++) {
		if (rep->rows[i].status == ST_PASS)
			rep->npass++;
		else if (rep->rows[i].status == ST_FAIL || rep->rows[i].status == ST_ERROR)
			rep->nfail++;
	}
	rep->njudged = rep->npass + rep->nfail;
	for (int a = 0; a < 2; a++)
		if (rep->arm_failed[a])
			rep->nfail++;
	report_verdict(rep);
}

/*
 * An arm that could not run fails the scenario (a controller that does not start is a
 * regression). Otherwise a run that did not do what its scenario says proves nothing, so
 * the scenario is INVALID whatever its rows say; then failed rows; then nothing measured.
 */
void report_verdict(struct report *rep)
{
	struct sbuf why = SBUF_INIT;

	rep->invalid_reason[0] = '\0';
	for (int a = 0; a < 2; a++) {
		if (rep->has_arm[a] && rep->arm_invalid[a])
			sbuf_addf(&why, "%s%s: %s", why.len ? "; " : "", arm_name(a), rep->arm_invalid[a]);
	}
	for (size_t i = 0; i < rep->nchecks; i++) {
		const struct check *ck = &rep->checks[i];
		char rp[32] = "";
		if (ck->repeat)
			snprintf(rp, sizeof(rp), " repeat %d", ck->repeat);
		if (!ck->ok && rep->arm_invalid[ck->arm] == NULL)
			sbuf_addf(&why, "%s%s%s: check %s failed (%s; required %s)", why.len ? "; " : "",
				  arm_name(ck->arm), rp, ck->name, ck->value[0] ? ck->value : "no value",
				  ck->required[0] ? ck->required : "true");
	}
	if (rep->arm_failed[0] || rep->arm_failed[1])
		rep->verdict = V_FAIL;
	else if (why.len)
		rep->verdict = V_INVALID;
	else if (rep->nfail)
		rep->verdict = V_FAIL;
	else if (rep->njudged == 0) {
		rep->verdict = V_INVALID;
		sbuf_add(&why, "nothing was measured");
	} else
		rep->verdict = V_PASS;
	if (rep->verdict == V_INVALID)
		snprintf(rep->invalid_reason, sizeof(rep->invalid_reason), "%s", sbuf_str(&why));
	sbuf_free(&why);
}

void report_free(struct report *rep)
{
	free(rep->scenario);
	free(rep->description);
	for (int a = 0; a < 2; a++) {
		free(rep->arm_failed[a]);
		free(rep->arm_invalid[a]);
	}
	free(rep->checks);
	for (size_t i = 0; i < rep->n && rep->rows; i++) {
		free(rep->rows[i].st.vals[0]);
		free(rep->rows[i].st.vals[1]);
	}
	free(rep->rows);
	jv_free(rep->expected[0]);
	jv_free(rep->expected[1]);
	memset(rep, 0, sizeof(*rep));
	rep->expected[0] = jv_invalid();
	rep->expected[1] = jv_invalid();
}
