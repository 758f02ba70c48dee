/* Rendering of scenario reports and of the cross-scenario summary. */
#ifndef COMPARE_RENDER_H
#define COMPARE_RENDER_H

#include <time.h>
#include "judge.h"
#include "sbuf.h"

enum format { FMT_TEXT, FMT_JSON, FMT_MARKDOWN, FMT_JUNIT };

/* One scenario of a summary: its report, or why it could not be built. */
struct summary_item {
	char *id;
	int trouble;		/* the report could not be built */
	struct report rep;
};

void render_text(struct sbuf *out, const struct report *rep, time_t when);
void render_json(struct sbuf *out, const struct report *rep, time_t when);
void render_markdown(struct sbuf *out, const struct report *rep, time_t when);
jv report_to_json(const struct report *rep, time_t when);
void render_summary(struct sbuf *out, enum format fmt, const struct summary_item *items, size_t n,
		    time_t when);
/* JUnit XML of a summary: a testsuite per scenario, a testcase per judged row and check. */
void render_junit(struct sbuf *out, const struct summary_item *items, size_t n, time_t when);

/* The calibration table (rows from calibrate_report) as text or JSON. */
void render_calibration(struct sbuf *out, enum format fmt, jv rows, double alpha, time_t when);

/* Helpers shared by the renderers (render_common.c). */
void fmt_time(char *buf, size_t size, time_t when);
void row_display_name(const struct row *row, char *buf, size_t size);
/* A value as shown in a table: counters whole, others to 4 decimals, "n/a" or "error". */
void fmt_value(const struct row *row, int arm, char *buf, size_t size);
/* The expectation shown for a row: "-", "50", or "48/50" when the arms differ. */
void fmt_expected(const struct report *rep, const struct row *row, char *buf, size_t size);
const char *meets_mark(int meets);
/* Repeated arms: a median with its interval, the change new vs old with its interval, and
 * the row's verdict word (~, improved, regressed, inconclusive, exact k/n). */
void fmt_median(const struct row *row, int arm, char *buf, size_t size);
void fmt_change(const struct row *row, char *buf, size_t size);
void fmt_verdict(const struct row *row, char *buf, size_t size);
/* ✅ PASS, ❌ FAIL, ⚠️ INVALID. */
const char *verdict_icon(enum verdict v);
/* Summary line of a report, as the reference words it. */
void report_summary_line(const struct report *rep, struct sbuf *out);
/* Value of a named row for the judged arm (new, or the only arm); 0 when not measured. */
int report_value(const struct report *rep, const char *name, double *value, int *has_exp, double *exp);

#endif
