/* The summary across scenarios: one line per scenario, pass/fail counts. */
#include "render.h"
#include "jsonf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *item_status(const struct summary_item *it)
{
	return it->trouble ? "ERROR" : it->rep.nfail ? "FAIL" : "PASS";
}

static void counts(const struct summary_item *items, size_t n, size_t *pass, size_t *fail, size_t *err)
{
	*pass = *fail = *err = 0;
	for (size_t i = 0; i < n; i++) {
		if (items[i].trouble)
			(*err)++;
		else if (items[i].rep.nfail)
			(*fail)++;
		else
			(*pass)++;
	}
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
	size_t pass, fail, err;
	char ts[64];

	counts(items, n, &pass, &fail, &err);
	fmt_time(ts, sizeof(ts), when);
	sbuf_add(out, "================================================================================\n");
	sbuf_add(out, "                       LOAD TEST SUMMARY\n");
	sbuf_add(out, "================================================================================\n\n");
	sbuf_addf(out, "Generated: %s\n", ts);
	sbuf_addf(out, "Results:   %zu/%zu passed (%zu%%)", pass, n, n ? pass * 100 / n : 0);
	if (err)
		sbuf_addf(out, ", %zu could not be judged", err);
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
	sbuf_add(out, "\n================================================================================\n");
}

static void summary_markdown(struct sbuf *out, const struct summary_item *items, size_t n)
{
	size_t pass, fail, err;

	counts(items, n, &pass, &fail, &err);
	if (n == 0)
		sbuf_add(out, "## ⚠️ Load Test Results: NO RESULTS\n\n");
	else if (fail + err)
		sbuf_addf(out, "## ❌ Load Test Results: %zu TEST(S) FAILED\n\n", fail + err);
	else
		sbuf_add(out, "## ✅ Load Test Results: ALL TESTS PASSED\n\n");
	sbuf_addf(out, "**%zu/%zu passed** (%zu%%)\n\n", pass, n, n ? pass * 100 / n : 0);
	sbuf_add(out, "| | Scenario | Description | Actions | Errors |\n");
	sbuf_add(out, "|:-:|:--------:|-------------|:-------:|:------:|\n");
	for (size_t i = 0; i < n; i++) {
		char desc[256], act[64], errs[32];
		int nz;
		short_desc(&items[i], desc, sizeof(desc));
		fmt_actions(&items[i], act, sizeof(act));
		fmt_errors(&items[i], errs, sizeof(errs), &nz);
		sbuf_addf(out, "| %s | **%s** | %s | %s | %s%s |\n",
			  items[i].trouble ? "⚠️" : items[i].rep.nfail ? "❌" : "✅", items[i].id, desc, act,
			  nz ? "⚠️ " : "", errs);
	}
}

static void summary_json(struct sbuf *out, const struct summary_item *items, size_t n, time_t when)
{
	size_t pass, fail, err;
	char ts[64];
	struct tm tm;
	jv o = jv_object(), list = jv_array();

	counts(items, n, &pass, &fail, &err);
	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = jv_object_set(o, jv_string("generated"), jv_string(ts));
	o = jv_object_set(o, jv_string("status"), jv_string(err ? "ERROR" : fail ? "FAIL" : n ? "PASS" : "EMPTY"));
	o = jv_object_set(o, jv_string("pass_count"), jv_number((double)pass));
	o = jv_object_set(o, jv_string("fail_count"), jv_number((double)fail));
	o = jv_object_set(o, jv_string("error_count"), jv_number((double)err));
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
	}
}
