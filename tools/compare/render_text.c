/* The text report, in the reference's layout (seed README, "Report Format"). */
#include "render.h"
#include "jsonf.h"
#include "wrapper.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RULE_EQ "================================================================================\n"
#define RULE_DASH "--------------------------------------------------------------------------------\n"

/* Titles sit where the reference puts them: 27 columns in, 30 for METRICS. */
static void section(struct sbuf *out, const char *title)
{
	sbuf_add(out, "\n" RULE_DASH);
	sbuf_addf(out, "%*s%s\n", strcmp(title, "METRICS") == 0 ? 30 : 27, "", title);
	sbuf_add(out, RULE_DASH);
}

/* "action_total" -> "Action Total" */
static void title_case(const char *key, char *buf, size_t size)
{
	size_t i = 0;
	int up = 1;

	for (; *key && i + 1 < size; key++, i++) {
		char c = *key == '_' ? ' ' : *key;
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';	/* a key of expected.json: no control character on a terminal */
		buf[i] = up ? (char)toupper((unsigned char)c) : c;
		up = c == ' ';
	}
	buf[i] = '\0';
}

static const char *const expected_order[] = {
	"action_total", "reload_executed_total", "reconcile_total", "workloads_scanned_total",
	"workloads_matched_total", "skipped_total", NULL,
};

static int key_rank(const char *k)
{
	for (int i = 0; expected_order[i]; i++)
		if (strcmp(expected_order[i], k) == 0)
			return i;
	return 100;
}

static int cmp_keys(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int rx = key_rank(x), ry = key_rank(y);

	return rx != ry ? rx - ry : strcmp(x, y);
}

/* Numeric expectations of either arm, old and new side by side when they differ. */
static void expected_section(struct sbuf *out, const struct report *rep)
{
	char keyb[64][96];
	const char *keys[64];
	size_t nk = 0;

	for (int a = 0; a < 2; a++) {
		jv e = rep->expected[a];
		if (!rep->has_arm[a] || jv_get_kind(e) != JV_KIND_OBJECT)
			continue;
		/* The iteration functions borrow e; k and v are new references. */
		jv_object_foreach(e, k, v) {
			const char *ks = jv_string_value(k);
			int dup = 0;
			for (size_t i = 0; i < nk; i++)
				dup |= strcmp(keys[i], ks) == 0;
			if (!dup && jv_get_kind(v) == JV_KIND_NUMBER && nk < 64 && strlen(ks) < 80 &&
			    !(rep->expected_shared && jv_number_value(v) == 0)) {
				snprintf(keyb[nk], sizeof(keyb[nk]), "%s", ks);
				keys[nk] = keyb[nk];
				nk++;
			}
			jv_free(k);
			jv_free(v);
		}
	}
	if (nk == 0)
		return;
	qsort(keys, nk, sizeof(*keys), cmp_keys);
	section(out, "EXPECTED VALUES");
	for (size_t i = 0; i < nk; i++) {
		char label[128], val[96];
		double v[2] = { 0, 0 };
		int has[2];
		for (int a = 0; a < 2; a++)
			has[a] = rep->has_arm[a] && json_num(rep->expected[a], keys[i], &v[a]) == 0;
		if (has[0] && has[1] && v[0] != v[1])
			snprintf(val, sizeof(val), "%g (old) / %g (new)", v[0], v[1]);
		else
			snprintf(val, sizeof(val), "%g", has[1] ? v[1] : v[0]);
		title_case(keys[i], label, sizeof(label) - 2);
		strcat(label, ":");
		sbuf_add(out, "Expected ");
		sbuf_pad(out, label, 22, 0);
		sbuf_addf(out, " %s\n", val);
	}
}

static void cell(struct sbuf *out, const char *s, int width, int right)
{
	sbuf_add(out, " ");
	sbuf_pad(out, s, width, right);
}

/* Repeated arms: n, medians with their intervals, the change, the adjusted p, the verdict. */
static void table_repeats(struct sbuf *out, const struct report *rep)
{
	sbuf_addf(out, "(medians of the repeats with 95%% intervals; New/Old: ratio of medians, interval by\n"
		       " Hodges-Lehmann on logarithms; p: exact Mann-Whitney U, Holm-adjusted over %zu rows;\n"
		       " exact rows are judged in every repeat)\n\n", rep->nstat);
	sbuf_pad(out, "Metric", 32, 0);
	cell(out, "n", 5, 1); cell(out, "Old", 26, 1); cell(out, "New", 26, 1);
	cell(out, "New/Old", 24, 1); cell(out, "p(adj)", 8, 1); cell(out, "Verdict", 12, 1);
	cell(out, "Status", 6, 1);
	sbuf_add(out, "\n");
	sbuf_pad(out, "------", 32, 0);
	cell(out, "-", 5, 1); cell(out, "---", 26, 1); cell(out, "---", 26, 1);
	cell(out, "-------", 24, 1); cell(out, "------", 8, 1); cell(out, "-------", 12, 1);
	cell(out, "------", 6, 1);
	sbuf_add(out, "\n");
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		char name[128], n[32], v0[96], v1[96], ch[96], p[32], vd[32];
		if (!row->shown)
			continue;
		row_display_name(row, name, sizeof(name));
		snprintf(n, sizeof(n), "%zu/%zu", row->st.n[0], row->st.n[1]);
		fmt_median(row, ARM_OLD, v0, sizeof(v0));
		fmt_median(row, ARM_NEW, v1, sizeof(v1));
		fmt_change(row, ch, sizeof(ch));
		if (row->st.has_p)
			snprintf(p, sizeof(p), "%.3g", row->st.p_adj);
		else
			snprintf(p, sizeof(p), "-");
		fmt_verdict(row, vd, sizeof(vd));
		sbuf_pad(out, name, 32, 0);
		cell(out, n, 5, 1); cell(out, v0, 26, 1); cell(out, v1, 26, 1); cell(out, ch, 24, 1);
		cell(out, p, 8, 1); cell(out, vd, 12, 1); cell(out, row_status_name(row->status), 6, 1);
		sbuf_add(out, "\n");
	}
}

static void table(struct sbuf *out, const struct report *rep)
{
	int single = report_single_arm(rep);

	if (rep->repeated && single < 0) {
		table_repeats(out, rep);
		return;
	}

	if (single >= 0) {
		sbuf_addf(out, "(✓ = meets expected value within %g%%)\n\n", rep->cat->expected_tolerance_pct);
		sbuf_pad(out, "Metric", 32, 0);
		cell(out, "Value", 12, 1); cell(out, "Expected", 10, 1);
		cell(out, "Met?", 5, 1); cell(out, "Status", 8, 1);
		sbuf_add(out, "\n");
		sbuf_pad(out, "------", 32, 0);
		cell(out, "-----", 12, 1); cell(out, "--------", 10, 1);
		cell(out, "----", 5, 1); cell(out, "------", 8, 1);
		sbuf_add(out, "\n");
	} else {
		sbuf_addf(out, "(Old✓/New✓ = meets expected value within %g%%)\n\n",
			  rep->cat->expected_tolerance_pct);
		sbuf_pad(out, "Metric", 32, 0);
		cell(out, "Old", 12, 1); cell(out, "New", 12, 1); cell(out, "Expected", 10, 1);
		cell(out, "Old✓", 5, 1); cell(out, "New✓", 5, 1); cell(out, "Status", 8, 1);
		sbuf_add(out, "\n");
		sbuf_pad(out, "------", 32, 0);
		cell(out, "---", 12, 1); cell(out, "---", 12, 1); cell(out, "--------", 10, 1);
		cell(out, "----", 5, 1); cell(out, "----", 5, 1); cell(out, "------", 8, 1);
		sbuf_add(out, "\n");
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		char name[128], v0[64], v1[64], exp[64];

		if (!row->shown)
			continue;
		row_display_name(row, name, sizeof(name));
		fmt_expected(rep, row, exp, sizeof(exp));
		sbuf_pad(out, name, 32, 0);
		if (single >= 0) {
			fmt_value(row, single, v0, sizeof(v0));
			cell(out, v0, 12, 1);
			cell(out, exp, 10, 1);
			cell(out, meets_mark(row->meets[single]), 5, 1);
		} else {
			fmt_value(row, ARM_OLD, v0, sizeof(v0));
			fmt_value(row, ARM_NEW, v1, sizeof(v1));
			cell(out, v0, 12, 1);
			cell(out, v1, 12, 1);
			cell(out, exp, 10, 1);
			cell(out, meets_mark(row->meets[ARM_OLD]), 5, 1);
			cell(out, meets_mark(row->meets[ARM_NEW]), 5, 1);
		}
		cell(out, row_status_name(row->status), 8, 1);
		sbuf_add(out, "\n");
	}
}

/* Values that were not measured, and why: "n/a" must never be mistaken for zero. */
static void notes(struct sbuf *out, const struct report *rep)
{
	int any = 0;

	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (!row->shown)
			continue;
		for (int a = 0; a < 2; a++) {
			if (!rep->has_arm[a] || row->v[a].state == MV_VALUE)
				continue;
			if (!any)
				sbuf_add(out, "\nNot measured (n/a is never zero):\n");
			any = 1;
			sbuf_addf(out, "  %-32s %s: %s%s\n", row->m->name, arm_name(a), row->v[a].why,
				  row->v[a].state == MV_ABSENT ? " (not exposed)" :
				  row->v[a].state == MV_QUERY_ERROR ? " (query failed)" : "");
		}
	}
}

static void criteria(struct sbuf *out, const struct report *rep)
{
	section(out, "PASS/FAIL CRITERIA");
	sbuf_addf(out, "\nPassed (%zu):\n", rep->npass);
	for (size_t i = 0; i < rep->n; i++)
		if (rep->rows[i].status == ST_PASS)
			sbuf_addf(out, "  ✓ %s\n", rep->rows[i].m->name);
	if (rep->verdict == V_INVALID)
		sbuf_addf(out, "\nInvalid: %s\n", rep->invalid_reason);
	if (rep->nfail > 0) {
		sbuf_addf(out, "\nFailed (%zu):\n", rep->nfail);
		for (int a = 0; a < 2; a++)
			if (rep->arm_failed[a])
				sbuf_addf(out, "  ✗ arm %s: %s\n", arm_name(a), rep->arm_failed[a]);
		for (size_t i = 0; i < rep->n; i++) {
			const struct row *row = &rep->rows[i];
			if (row->status == ST_FAIL || row->status == ST_ERROR)
				sbuf_addf(out, "  ✗ %s: %s\n", row->m->name, row->reason);
		}
	}
}

/* Caveats for readers: thresholds below the noise an A/A calibration measured. */
static void warnings(struct sbuf *out, const struct report *rep)
{
	int any = 0;

	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (!row->shown || row->warning[0] == '\0')
			continue;
		if (!any)
			sbuf_add(out, "\nWarnings:\n");
		any = 1;
		sbuf_addf(out, "  ! %s: %s\n", row->m->name, row->warning);
	}
}

/* Every self-check of the arms' runs, with what it measured and what it required. */
static void run_checks(struct sbuf *out, const struct report *rep)
{
	if (rep->nchecks == 0)
		return;
	section(out, "RUN CHECKS");
	sbuf_add(out, "(a failed check makes the scenario INVALID: the run proves nothing)\n\n");
	for (size_t i = 0; i < rep->nchecks; i++) {
		const struct check *ck = &rep->checks[i];
		char rp[32] = "";
		if (ck->repeat)
			snprintf(rp, sizeof(rp), "/%d", ck->repeat);
		sbuf_addf(out, "  %s %s%s %s: %s", ck->ok ? "✓" : "✗", arm_name(ck->arm), rp, ck->name,
			  ck->value[0] ? ck->value : ck->ok ? "yes" : "no");
		if (ck->required[0])
			sbuf_addf(out, " (required: %s)", ck->required);
		sbuf_add(out, "\n");
	}
}

static int cmp_rows_by_name(const void *a, const void *b)
{
	const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;

	return strcmp(x->m->name, y->m->name);
}

static void thresholds(struct sbuf *out, const struct report *rep)
{
	const struct row **sorted = xcalloc(rep->n, sizeof(*sorted));
	size_t n = 0;

	for (size_t i = 0; i < rep->n; i++)
		if (rep->rows[i].shown)
			sorted[n++] = &rep->rows[i];
	qsort(sorted, n, sizeof(*sorted), cmp_rows_by_name);
	section(out, "THRESHOLDS USED");
	sbuf_addf(out, "\n%-35s %10s %15s %18s\n", "Metric", "Max Diff%", "Min Abs Diff", "Direction");
	sbuf_addf(out, "%-35s %10s %15s %18s\n", "------", "---------", "------------", "---------");
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = sorted[i]->r;
		char maxd[32], mina[32];
		if (r->has_max_diff)
			snprintf(maxd, sizeof(maxd), "%.1f%%", r->max_diff_pct);
		else
			snprintf(maxd, sizeof(maxd), "-");
		if (r->has_min_abs && r->min_abs_diff > 0)
			snprintf(mina, sizeof(mina), "%.1f", r->min_abs_diff);
		else
			snprintf(mina, sizeof(mina), "-");
		sbuf_addf(out, "%-35s %10s %15s %18s%s\n", sorted[i]->m->name, maxd, mina,
			  rule_kind_name(r->kind), r != &sorted[i]->m->rule ? "  (scenario rule)" : "");
	}
	free(sorted);
}

void render_text(struct sbuf *out, const struct report *rep, time_t when)
{
	int single = report_single_arm(rep);
	char ts[64];

	fmt_time(ts, sizeof(ts), when);
	sbuf_add(out, "\n" RULE_EQ);
	sbuf_add(out, single >= 0 ? "                        RELOADER TEST REPORT\n"
				  : "                     RELOADER A/B COMPARISON REPORT\n");
	sbuf_add(out, RULE_EQ "\n");
	sbuf_addf(out, "Scenario:     %s\n", rep->scenario);
	if (single >= 0)
		sbuf_addf(out, "Arm:          %s (single version)\n", arm_name(single));
	if (rep->repeated)
		sbuf_addf(out, "Repeats:      old %zu, new %zu (alpha %g)\n", rep->nrep[ARM_OLD], rep->nrep[ARM_NEW],
			  rep->cat->alpha);
	sbuf_addf(out, "Generated:    %s\n", ts);
	sbuf_addf(out, "Status:       %s\n", verdict_name(rep->verdict));
	sbuf_add(out, "Summary:      ");
	report_summary_line(rep, out);
	sbuf_add(out, "\n");
	if (rep->description)
		sbuf_addf(out, "Test:         %s\n", rep->description);
	expected_section(out, rep);
	section(out, single >= 0 ? "METRICS" : "METRIC COMPARISONS");
	table(out, rep);
	notes(out, rep);
	warnings(out, rep);
	run_checks(out, rep);
	criteria(out, rep);
	thresholds(out, rep);
	sbuf_add(out, "\n" RULE_EQ);
}
