/* The summary across scenarios: one line per scenario, pass/fail counts. */
#include "render.h"
#include "jsonf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *item_status(const struct summary_item *it)
{
	return it->trouble ? "ERROR" : verdict_name(it->rep.verdict);
}

struct counts {
	size_t pass, fail, invalid, err;
};

static struct counts count(const struct summary_item *items, size_t n)
{
	struct counts c = { 0 };

	for (size_t i = 0; i < n; i++) {
		if (items[i].trouble)
			c.err++;
		else if (items[i].rep.verdict == V_FAIL)
			c.fail++;
		else if (items[i].rep.verdict == V_INVALID)
			c.invalid++;
		else
			c.pass++;
	}
	return c;
}

/* The run's overall status: the worst of its scenarios; no scenario is no result. */
static const char *overall(const struct counts *c, size_t n)
{
	return n == 0 ? "NO RESULTS" : c->err ? "ERROR" : c->fail ? "FAIL" : c->invalid ? "INVALID" : "PASS";
}

static void counts_line(struct sbuf *out, const struct counts *c, size_t n)
{
	sbuf_addf(out, "%zu/%zu passed (%zu%%), %zu failed, %zu invalid", c->pass, n, n ? c->pass * 100 / n : 0,
		  c->fail, c->invalid);
	if (c->err)
		sbuf_addf(out, ", %zu could not be judged", c->err);
}

/* Why a scenario did not pass, in a line: its reason, or the failed rows. */
static void item_reason(const struct summary_item *it, struct sbuf *out)
{
	if (it->trouble || it->rep.verdict == V_PASS)
		return;
	report_summary_line(&it->rep, out);
}

/* "actions": value of action_total for the judged arm, "/expected" when there is one. */
static void fmt_actions(const struct summary_item *it, char *buf, size_t size)
{
	double v = 0, e = 0;
	int has_exp = 0, has = it->trouble ? 0 : report_value(&it->rep, "action_total", &v, &has_exp, &e);
	char vs[32];

	if (has)
		snprintf(vs, sizeof(vs), "%.0f", v);
	else
		snprintf(vs, sizeof(vs), "n/a");
	if (has_exp)
		snprintf(buf, size, "%s/%.0f", vs, e);
	else
		snprintf(buf, size, "%s", vs);
}

static void fmt_errors(const struct summary_item *it, char *buf, size_t size, int *nonzero)
{
	double v = 0;

	*nonzero = 0;
	if (!it->trouble && report_value(&it->rep, "errors_total", &v, NULL, NULL)) {
		snprintf(buf, size, "%.0f", v);
		*nonzero = v != 0;
	} else {
		snprintf(buf, size, "n/a");
	}
}

static void short_desc(const struct summary_item *it, char *buf, size_t size)
{
	const char *d = it->trouble ? "report could not be built (see stderr)" :
			it->rep.description ? it->rep.description : "";
	size_t n = strlen(d);

	/* Cut on a character boundary, as the reference's 45-column field. */
	if (utf8_width(d) <= 45) {
		snprintf(buf, size, "%s", d);
		return;
	}
	size_t cut = 0;
	int w = 0;
	while (cut < n && w < 42) {
		cut++;
		while (cut < n && ((unsigned char)d[cut] & 0xC0) == 0x80)
			cut++;
		w++;
	}
	snprintf(buf, size, "%.*s...", (int)cut, d);
}

static void summary_text(struct sbuf *out, const struct summary_item *items, size_t n, time_t when)
{
	struct counts c = count(items, n);
	char ts[64];

	fmt_time(ts, sizeof(ts), when);
	sbuf_add(out, "================================================================================\n");
	sbuf_add(out, "                       LOAD TEST SUMMARY\n");
	sbuf_add(out, "================================================================================\n\n");
	sbuf_addf(out, "Generated: %s\n", ts);
	sbuf_addf(out, "Status:    %s\n", overall(&c, n));
	if (n == 0) {
		sbuf_add(out, "Results:   NO RESULTS: no scenario has an old/ or new/ arm in the results folder\n");
		sbuf_add(out, "\n================================================================================\n");
		return;
	}
	sbuf_add(out, "Results:   ");
	counts_line(out, &c, n);
	sbuf_add(out, "\n\n");
	sbuf_addf(out, "%-6s %-8s %-45s %10s %8s\n", "ID", "Status", "Description", "Actions", "Errors");
	sbuf_addf(out, "%-6s %-8s %-45s %10s %8s\n", "------", "--------",
		  "---------------------------------------------", "----------", "--------");
	for (size_t i = 0; i < n; i++) {
		char desc[256], act[64], errs[32];
		int nz;
		short_desc(&items[i], desc, sizeof(desc));
		fmt_actions(&items[i], act, sizeof(act));
		fmt_errors(&items[i], errs, sizeof(errs), &nz);
		sbuf_addf(out, "%-6s %-8s ", items[i].id, item_status(&items[i]));
		sbuf_pad(out, desc, 45, 0);
		sbuf_addf(out, " %10s %8s\n", act, errs);
	}
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		struct sbuf why = SBUF_INIT;
		item_reason(&items[i], &why);
		if (why.len) {
			sbuf_addf(out, "%s  %-6s %s: %s\n", first ? "\nNot passed:\n" : "", items[i].id,
				  item_status(&items[i]), sbuf_str(&why));
			first = 0;
		}
		sbuf_free(&why);
	}
	sbuf_add(out, "\n================================================================================\n");
}

/* GitHub refuses comments over 65,536 characters: the details stop well before. */
#define MD_LIMIT 60000

/* The failed rows of a scenario, at most max names, "and N more". */
static void failed_rows(const struct summary_item *it, struct sbuf *out, size_t max)
{
	size_t shown = 0, total = 0;

	if (it->trouble)
		return;
	for (size_t k = 0; k < it->rep.n; k++) {
		const struct row *row = &it->rep.rows[k];
		if (row->status != ST_FAIL && row->status != ST_ERROR)
			continue;
		if (shown < max)
			sbuf_addf(out, "%s`%s`", shown ? ", " : "", row->m->name);
		shown += shown < max;
		total++;
	}
	if (total > shown)
		sbuf_addf(out, " and %zu more", total - shown);
}

/* One scenario's details for the folded part: its reason and every failed row, old -> new. */
static void scenario_details(const struct summary_item *it, struct sbuf *out)
{
	struct sbuf why = SBUF_INIT;

	sbuf_addf(out, "#### %s %s: %s\n\n", it->trouble ? "⚠️" : verdict_icon(it->rep.verdict), it->id, item_status(it));
	item_reason(it, &why);
	if (why.len)
		sbuf_addf(out, "%s\n\n", sbuf_str(&why));
	sbuf_free(&why);
	if (it->trouble)
		return;
	int header = 0;
	for (size_t k = 0; k < it->rep.n; k++) {
		const struct row *row = &it->rep.rows[k];
		char v0[64], v1[64];
		if (row->status != ST_FAIL && row->status != ST_ERROR)
			continue;
		if (!header)
			sbuf_add(out, "| Row | Old | New | Why |\n|-----|----:|----:|-----|\n");
		header = 1;
		fmt_value(row, ARM_OLD, v0, sizeof(v0));
		fmt_value(row, ARM_NEW, v1, sizeof(v1));
		sbuf_addf(out, "| `%s` | %s | %s | %s |\n", row->m->name, it->rep.has_arm[ARM_OLD] ? v0 : "-",
			  it->rep.has_arm[ARM_NEW] ? v1 : "-", row->reason);
	}
	if (header)
		sbuf_add(out, "\n");
}

/*
 * For a pull-request comment: the verdict, one table of scenarios with the rows that
 * failed, the details folded, a pointer to the full report; under GitHub's size limit
 * whatever the number of scenarios.
 */
static void summary_markdown(struct sbuf *out, const struct summary_item *items, size_t n)
{
	struct counts c = count(items, n);
	const char *url = getenv("LOADTEST_REPORT_URL");

	if (n == 0) {
		sbuf_add(out, "## ⚠️ Load Test Results: NO RESULTS\n\n"
			      "No scenario has an old/ or new/ arm in the results folder.\n");
		return;
	}
	if (c.fail + c.err)
		sbuf_addf(out, "## ❌ Load Test Results: %zu TEST(S) FAILED\n\n", c.fail + c.err);
	else if (c.invalid)
		sbuf_addf(out, "## ⚠️ Load Test Results: %zu INVALID RUN(S)\n\n", c.invalid);
	else
		sbuf_add(out, "## ✅ Load Test Results: ALL TESTS PASSED\n\n");
	sbuf_add(out, "**");
	counts_line(out, &c, n);
	sbuf_add(out, "**");
	if (url && *url)
		sbuf_addf(out, " · [full report](%s)", url);
	else
		sbuf_add(out, " · full report: `index.html` in the results artefact");
	sbuf_add(out, "\n\n| | Scenario | Description | Actions | Errors | Failed rows |\n");
	sbuf_add(out, "|:-:|:--------:|-------------|:-------:|:------:|-------------|\n");
	for (size_t i = 0; i < n; i++) {
		char desc[256], act[64], errs[32];
		struct sbuf failed = SBUF_INIT;
		int nz;
		short_desc(&items[i], desc, sizeof(desc));
		fmt_actions(&items[i], act, sizeof(act));
		fmt_errors(&items[i], errs, sizeof(errs), &nz);
		failed_rows(&items[i], &failed, 4);
		if (!items[i].trouble && items[i].rep.verdict == V_INVALID)
			sbuf_addf(&failed, "%sinvalid run", failed.len ? "; " : "");
		sbuf_addf(out, "| %s | **%s** | %s | %s | %s%s | %s |\n",
			  items[i].trouble ? "⚠️" : verdict_icon(items[i].rep.verdict), items[i].id, desc, act,
			  nz ? "⚠️ " : "", errs, failed.len ? sbuf_str(&failed) : "");
		sbuf_free(&failed);
	}
	size_t nbad = c.fail + c.invalid + c.err;
	if (nbad == 0)
		return;
	sbuf_addf(out, "\n<details><summary>Why %zu scenario(s) did not pass</summary>\n\n", nbad);
	for (size_t i = 0; i < n; i++) {
		struct sbuf one = SBUF_INIT;
		if (!items[i].trouble && items[i].rep.verdict == V_PASS)
			continue;
		scenario_details(&items[i], &one);
		if (out->len + one.len > MD_LIMIT) {
			sbuf_add(out, "… the rest is cut to keep this comment within GitHub's size limit; the full report "
				      "has every scenario.\n");
			sbuf_free(&one);
			break;
		}
		sbuf_add(out, sbuf_str(&one));
		sbuf_free(&one);
	}
	sbuf_add(out, "</details>\n");
}

static void summary_json(struct sbuf *out, const struct summary_item *items, size_t n, time_t when)
{
	struct counts c = count(items, n);
	char ts[64];
	struct tm tm;
	jv o = jv_object(), list = jv_array();

	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = jv_object_set(o, jv_string("generated"), jv_string(ts));
	o = jv_object_set(o, jv_string("status"), jv_string(overall(&c, n)));
	o = jv_object_set(o, jv_string("pass_count"), jv_number((double)c.pass));
	o = jv_object_set(o, jv_string("fail_count"), jv_number((double)c.fail));
	o = jv_object_set(o, jv_string("invalid_count"), jv_number((double)c.invalid));
	o = jv_object_set(o, jv_string("error_count"), jv_number((double)c.err));
	o = jv_object_set(o, jv_string("total_count"), jv_number((double)n));
	for (size_t i = 0; i < n; i++) {
		const struct summary_item *it = &items[i];
		jv s = jv_object();
		double v, e;
		int has_exp;

		s = jv_object_set(s, jv_string("id"), jv_string(it->id));
		s = jv_object_set(s, jv_string("status"), jv_string(item_status(it)));
		if (!it->trouble) {
			if (it->rep.description)
				s = jv_object_set(s, jv_string("description"), jv_string(it->rep.description));
			int has = report_value(&it->rep, "action_total", &v, &has_exp, &e);
			s = json_set_num(s, "action_total", has, v);
			s = json_set_num(s, "action_expected", has_exp, e);
			has = report_value(&it->rep, "errors_total", &v, NULL, NULL);
			s = json_set_num(s, "errors_total", has, v);
			jv failed = jv_array();
			for (size_t k = 0; k < it->rep.n; k++) {
				const struct row *row = &it->rep.rows[k];
				if (row->status == ST_FAIL || row->status == ST_ERROR)
					failed = jv_array_append(failed, jv_string(row->m->name));
			}
			s = jv_object_set(s, jv_string("failed"), failed);
			struct sbuf why = SBUF_INIT;
			item_reason(it, &why);
			if (why.len)
				s = jv_object_set(s, jv_string("reason"), jv_string(sbuf_str(&why)));
			sbuf_free(&why);
		}
		list = jv_array_append(list, s);
	}
	o = jv_object_set(o, jv_string("scenarios"), list);
	char *text = json_dump(o, 1);
	sbuf_add(out, text);
	free(text);
	jv_free(o);
}

void render_summary(struct sbuf *out, enum format fmt, const struct summary_item *items, size_t n,
		    time_t when)
{
	switch (fmt) {
	case FMT_TEXT: summary_text(out, items, n, when); break;
	case FMT_MARKDOWN: summary_markdown(out, items, n); break;
	case FMT_JSON: summary_json(out, items, n, when); break;
	case FMT_JUNIT: render_junit(out, items, n, when); break;
	}
}
