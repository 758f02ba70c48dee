/*
 * JUnit XML for CI systems: one testsuite per scenario, one testcase per judged row (its
 * failure message is the row's reason) and per self-check of a run; a scenario that is
 * INVALID carries an <error> testcase saying why, so CI counts it apart from failures.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

/* Text as XML character data or attribute value: markup escaped, control characters
 * (which XML 1.0 cannot carry) replaced, invalid UTF-8 bytes replaced by '?'. */
static void xml_text(struct sbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': sbuf_add(out, "&amp;"); break;
		case '<': sbuf_add(out, "&lt;"); break;
		case '>': sbuf_add(out, "&gt;"); break;
		case '"': sbuf_add(out, "&quot;"); break;
		case '\'': sbuf_add(out, "&apos;"); break;
		default:
			if (*p < 0x20 && *p != '\t' && *p != '\n')
				sbuf_add(out, "?");
			else if (*p < 0x80)
				sbuf_addn(out, (const char *)p, 1);
			else {
				/* Copy a whole well-formed UTF-8 sequence, or one '?'. */
				size_t n = *p >= 0xF0 && *p < 0xF5 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC2 && *p < 0xE0 ? 2 : 0;
				size_t k = 1;
				while (n && k < n && (p[k] & 0xC0) == 0x80)
					k++;
				if (n && k == n) {
					sbuf_addn(out, (const char *)p, n);
					p += n - 1;
				} else {
					sbuf_add(out, "?");
				}
			}
		}
	}
}

static void attr(struct sbuf *out, const char *name, const char *value)
{
	sbuf_addf(out, " %s=\"", name);
	xml_text(out, value);
	sbuf_add(out, "\"");
}

struct tally {
	size_t tests, failures, errors, skipped;
};

static struct tally tally(const struct summary_item *it)
{
	struct tally t = { 0 };
	const struct report *rep = &it->rep;

	if (it->trouble) {
		t.tests = t.errors = 1;
		return t;
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (!row->shown)
			continue;
		if (row->status == ST_PASS || row->status == ST_FAIL || row->status == ST_ERROR)
			t.tests++;
		t.failures += row->status == ST_FAIL;
		t.errors += row->status == ST_ERROR;
	}
	for (size_t i = 0; i < rep->nchecks; i++) {
		t.tests++;
		t.errors += !rep->checks[i].ok;
	}
	for (int a = 0; a < 2; a++)
		if (rep->arm_failed[a]) {
			t.tests++;
			t.failures++;
		}
	if (rep->verdict == V_INVALID) {
		t.tests++;
		t.errors++;
	}
	return t;
}

static void testcase(struct sbuf *out, const char *suite, const char *name, const char *kind, const char *msg)
{
	sbuf_add(out, "    <testcase");
	attr(out, "classname", suite);
	attr(out, "name", name);
	if (kind == NULL) {
		sbuf_add(out, "/>\n");
		return;
	}
	sbuf_addf(out, ">\n      <%s", kind);
	attr(out, "message", msg);
	sbuf_add(out, ">");
	xml_text(out, msg);
	sbuf_addf(out, "</%s>\n    </testcase>\n", kind);
}

static void suite(struct sbuf *out, const struct summary_item *it)
{
	struct tally t = tally(it);
	const struct report *rep = &it->rep;
	char buf[64];

	sbuf_add(out, "  <testsuite");
	attr(out, "name", it->id);
	sbuf_addf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", t.tests, t.failures,
		  t.errors);
	if (it->trouble) {
		testcase(out, it->id, "report", "error", "the report could not be built (malformed input; see compare's message)");
		sbuf_add(out, "  </testsuite>\n");
		return;
	}
	if (rep->verdict == V_INVALID)
		testcase(out, it->id, "valid run", "error", rep->invalid_reason);
	for (int a = 0; a < 2; a++)
		if (rep->arm_failed[a]) {
			snprintf(buf, sizeof(buf), "arm %s", arm_name(a));
			testcase(out, it->id, buf, "failure", rep->arm_failed[a]);
		}
	for (size_t i = 0; i < rep->nchecks; i++) {
		const struct check *ck = &rep->checks[i];
		char name[128], msg[400];
		if (ck->repeat)
			snprintf(name, sizeof(name), "check %s (%s, repeat %d)", ck->name, arm_name(ck->arm), ck->repeat);
		else
			snprintf(name, sizeof(name), "check %s (%s)", ck->name, arm_name(ck->arm));
		snprintf(msg, sizeof(msg), "%s; required %s", ck->value[0] ? ck->value : "no", ck->required[0] ? ck->required : "yes");
		testcase(out, it->id, name, ck->ok ? NULL : "error", msg);
	}
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		if (!row->shown || !(row->status == ST_PASS || row->status == ST_FAIL || row->status == ST_ERROR))
			continue;
		testcase(out, it->id, row->m->name,
			 row->status == ST_PASS ? NULL : row->status == ST_FAIL ? "failure" : "error", row->reason);
	}
	sbuf_add(out, "  </testsuite>\n");
}

void render_junit(struct sbuf *out, const struct summary_item *items, size_t n, time_t when)
{
	struct tally all = { 0 };
	char ts[64];
	struct tm tm;

	for (size_t i = 0; i < n; i++) {
		struct tally t = tally(&items[i]);
		all.tests += t.tests;
		all.failures += t.failures;
		all.errors += t.errors;
	}
	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	sbuf_add(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sbuf_addf(out, "<testsuites name=\"reloader-loadtest\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" timestamp=\"%s\">\n",
		  all.tests, all.failures, all.errors, ts);
	for (size_t i = 0; i < n; i++)
		suite(out, &items[i]);
	sbuf_add(out, "</testsuites>\n");
}
