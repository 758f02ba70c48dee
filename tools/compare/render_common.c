/* Formatting helpers shared by the text, JSON and Markdown renderers. */
#include "render.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_time(char *buf, size_t size, time_t when)
{
	struct tm tm;

	localtime_r(&when, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void row_display_name(const struct row *row, char *buf, size_t size)
{
	if (strcmp(row->m->unit, "count") == 0)
		snprintf(buf, size, "%s", row->m->name);
	else
		snprintf(buf, size, "%s (%s)", row->m->name, row->m->unit);
}

static void fmt_number(double v, int counter, char *buf, size_t size)
{
	if (isinf(v))
		snprintf(buf, size, "%s", v > 0 ? "+Inf" : "-Inf");
	else if (counter)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.4f", v);
}

void fmt_value(const struct row *row, int arm, char *buf, size_t size)
{
	const struct mvalue *v = &row->v[arm];

	switch (v->state) {
	case MV_VALUE:
		fmt_number(v->value, row->m->counter, buf, size);
		break;
	case MV_QUERY_ERROR:
		snprintf(buf, size, "error");
		break;
	default:
		snprintf(buf, size, "n/a");
		break;
	}
}

void fmt_expected(const struct report *rep, const struct row *row, char *buf, size_t size)
{
	int single = report_single_arm(rep);

	if (single >= 0) {
		if (row->has_exp[single])
			snprintf(buf, size, "%g", row->exp[single]);
		else
			snprintf(buf, size, "-");
		return;
	}
	if (row->has_exp[0] && row->has_exp[1] && row->exp[0] != row->exp[1])
		snprintf(buf, size, "%g/%g", row->exp[0], row->exp[1]);
	else if (row->has_exp[1])
		snprintf(buf, size, "%g", row->exp[1]);
	else if (row->has_exp[0])
		snprintf(buf, size, "%g", row->exp[0]);
	else
		snprintf(buf, size, "-");
}

const char *meets_mark(int meets)
{
	return meets < 0 ? "-" : meets ? "✓" : "✗";
}

void report_summary_line(const struct report *rep, struct sbuf *out)
{
	int single = report_single_arm(rep);

	if (rep->verdict == V_INVALID) {
		sbuf_addf(out, "Invalid run, proves nothing either way: %s", rep->invalid_reason);
		return;
	}
	if (rep->nfail == 0) {
		if (single >= 0)
			sbuf_addf(out, "Single-version test (%s) completed successfully", arm_name(single));
		else
			sbuf_add(out, "All metrics within acceptable thresholds");
		return;
	}
	const char *sep = "";
	for (int a = 0; a < 2; a++) {
		if (rep->arm_failed[a]) {
			sbuf_addf(out, "%sarm %s failed: %s", sep, arm_name(a), rep->arm_failed[a]);
			sep = "; ";
		}
	}
	size_t nrows = rep->nfail - (rep->arm_failed[0] != NULL) - (rep->arm_failed[1] != NULL);
	if (nrows == 0)
		return;
	sbuf_addf(out, "%s%zu metrics failed: ", sep, nrows);
	sep = "";
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (row->status == ST_FAIL || row->status == ST_ERROR) {
			sbuf_addf(out, "%s%s", sep, row->m->name);
			sep = ", ";
		}
	}
}

int report_value(const struct report *rep, const char *name, double *value, int *has_exp, double *exp)
{
	int arm = report_single_arm(rep);

	if (arm < 0)
		arm = ARM_NEW;
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (strcmp(row->m->name, name) != 0)
			continue;
		if (has_exp) {
			*has_exp = row->has_exp[arm];
			*exp = row->exp[arm];
		}
		if (row->v[arm].state != MV_VALUE)
			return 0;
		*value = row->v[arm].value;
		return 1;
	}
	if (has_exp)
		*has_exp = 0;
	return 0;
}

const char *verdict_icon(enum verdict v)
{
	return v == V_PASS ? "✅" : v == V_FAIL ? "❌" : "⚠️";
}

/* "12.3 [10.1, 14.0]": a median with its interval, 4 significant digits; "n/a" if none. */
void fmt_median(const struct row *row, int arm, char *buf, size_t size)
{
	const struct row_stats *st = &row->st;

	if (row->v[arm].state != MV_VALUE) {
		fmt_value(row, arm, buf, size);
		return;
	}
	if (st->has_p)
		snprintf(buf, size, "%.4g [%.4g, %.4g]", row->v[arm].value, st->med_lo[arm], st->med_hi[arm]);
	else
		snprintf(buf, size, "%.4g", row->v[arm].value);
}

/* "x1.23 [1.10, 1.41]" (a ratio), "+0.5 [0.1, 0.9]" (a shift), or "-". */
void fmt_change(const struct row *row, char *buf, size_t size)
{
	const struct row_stats *st = &row->st;

	if (!st->has_p)
		snprintf(buf, size, "-");
	else if (st->has_ratio)
		snprintf(buf, size, "x%.3g [%.3g, %.3g]", st->diff, st->diff_lo, st->diff_hi);
	else
		snprintf(buf, size, "%+.4g [%+.4g, %+.4g]", st->diff, st->diff_lo, st->diff_hi);
}

/* The verdict word of a row over repeats: ~, improved, regressed, inconclusive, exact k/n. */
void fmt_verdict(const struct row *row, char *buf, size_t size)
{
	const struct row_stats *st = &row->st;

	if (st->exact && st->rep_judged)
		snprintf(buf, size, "exact %zu/%zu", st->rep_judged - st->rep_failed, st->rep_judged);
	else if (st->sv != SV_NONE)
		snprintf(buf, size, "%s", stat_verdict_name(st->sv));
	else
		snprintf(buf, size, "-");
}
