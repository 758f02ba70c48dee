/* The Markdown report, for pull-request comments. */
#include "render.h"

#include <string.h>

static const char *status_icon(enum row_status st)
{
	switch (st) {
	case ST_PASS: return "✅";
	case ST_FAIL: return "❌";
	case ST_ERROR: return "❌ error";
	case ST_INFO: return "ℹ️";
	default: return "n/a";
	}
}

/* The verdict, the description and the summary line, then the head of the rows' table. */
static void heading(struct sbuf *out, const struct report *rep, int single, time_t when)
{
	char ts[64];

	fmt_time(ts, sizeof(ts), when);
	sbuf_addf(out, "## %s %s: %s\n\n", verdict_icon(rep->verdict), rep->scenario, verdict_name(rep->verdict));
	if (rep->description)
		sbuf_addf(out, "> %s\n\n", rep->description);
	if (single >= 0)
		sbuf_addf(out, "Single version (%s). ", arm_name(single));
	sbuf_add(out, "Summary: ");
	report_summary_line(rep, out);
	sbuf_addf(out, ". Generated %s.\n\n", ts);
	if (rep->repeated && single < 0) {
		sbuf_addf(out, "Repeats: old %zu, new %zu. Medians [95%% interval]; New/Old: ratio of medians "
			       "[Hodges-Lehmann interval]; p: exact Mann-Whitney U, Holm-adjusted over %zu rows.\n\n",
			  rep->nrep[ARM_OLD], rep->nrep[ARM_NEW], rep->nstat);
		sbuf_add(out, "| Metric | n | Old | New | New/Old | p(adj) | Verdict | Status |\n");
		sbuf_add(out, "|--------|:-:|----:|----:|--------:|-------:|:-------:|:------:|\n");
	} else if (single >= 0) {
		sbuf_add(out, "| Metric | Value | Expected | Status |\n");
		sbuf_add(out, "|--------|------:|:--------:|:------:|\n");
	} else {
		sbuf_add(out, "| Metric | Old | New | Expected | Status |\n");
		sbuf_add(out, "|--------|----:|----:|:--------:|:------:|\n");
	}
}

/* A row over repeated runs: medians, change, adjusted p and verdict. */
static void repeats_row(struct sbuf *out, const struct row *row, const char *name, const char *icon)
{
	char m0[96], m1[96], ch[96], p[32], vd[32];

	fmt_median(row, ARM_OLD, m0, sizeof(m0));
	fmt_median(row, ARM_NEW, m1, sizeof(m1));
	fmt_change(row, ch, sizeof(ch));
	fmt_verdict(row, vd, sizeof(vd));
	if (row->st.has_p)
		snprintf(p, sizeof(p), "%.3g", row->st.p_adj);
	else
		snprintf(p, sizeof(p), "-");
	sbuf_addf(out, "| %s | %zu/%zu | %s | %s | %s | %s | %s | %s |\n", name, row->st.n[0], row->st.n[1],
		  m0, m1, ch, p, vd, icon);
}

static void row_line(struct sbuf *out, const struct report *rep, const struct row *row, int single)
{
	char name[128], v0[64], v1[64], exp[64];
	const char *icon = status_icon(row->status);

	row_display_name(row, name, sizeof(name));
	fmt_expected(rep, row, exp, sizeof(exp));
	if (rep->repeated && single < 0) {
		repeats_row(out, row, name, icon);
	} else if (single >= 0) {
		fmt_value(row, single, v0, sizeof(v0));
		sbuf_addf(out, "| %s | %s | %s | %s |\n", name, v0, exp, icon);
	} else {
		fmt_value(row, ARM_OLD, v0, sizeof(v0));
		fmt_value(row, ARM_NEW, v1, sizeof(v1));
		sbuf_addf(out, "| %s | %s | %s | %s | %s |\n", name, v0, v1, exp, icon);
	}
}

/* After the table: warnings, the run's checks, why it is invalid, what failed. */
static void footnotes(struct sbuf *out, const struct report *rep)
{
	for (size_t i = 0, any = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (!row->shown || row->warning[0] == '\0')
			continue;
		sbuf_addf(out, "%s- ⚠️ `%s`: %s\n", any++ ? "" : "\n**Warnings:**\n\n", row->m->name, row->warning);
	}
	if (rep->nchecks) {
		sbuf_add(out, "\n**Run checks** (a failed check makes the scenario INVALID):\n\n");
		sbuf_add(out, "| Check | Arm | Value | Required | |\n|-------|:---:|-------|----------|:-:|\n");
		for (size_t i = 0; i < rep->nchecks; i++) {
			const struct check *ck = &rep->checks[i];
			sbuf_addf(out, "| %s | %s | %s | %s | %s |\n", ck->name, arm_name(ck->arm),
				  ck->value[0] ? ck->value : ck->ok ? "yes" : "no",
				  ck->required[0] ? ck->required : "-", ck->ok ? "✅" : "⚠️");
		}
	}
	if (rep->verdict == V_INVALID)
		sbuf_addf(out, "\n**Invalid:** %s\n", rep->invalid_reason);
	if (rep->nfail) {
		sbuf_add(out, "\n**Failed:**\n\n");
		for (int a = 0; a < 2; a++)
			if (rep->arm_failed[a])
				sbuf_addf(out, "- arm %s: %s\n", arm_name(a), rep->arm_failed[a]);
		for (size_t i = 0; i < rep->n; i++) {
			const struct row *row = &rep->rows[i];
			if (row->status == ST_FAIL || row->status == ST_ERROR)
				sbuf_addf(out, "- `%s`: %s\n", row->m->name, row->reason);
		}
	}
}

void render_markdown(struct sbuf *out, const struct report *rep, time_t when)
{
	int single = report_single_arm(rep);

	heading(out, rep, single, when);
	for (size_t i = 0; i < rep->n; i++)
		if (rep->rows[i].shown)
			row_line(out, rep, &rep->rows[i], single);
	footnotes(out, rep);
}
