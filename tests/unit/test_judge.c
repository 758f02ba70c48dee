/* Unit tests of the rule engine: each rule kind, expectations, bounds, pass_if, overrides. */
#include "judge.h"
#include "rules.h"
#include "sbuf.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static const char catalogue_yaml[] =
	"version: 1\n"
	"expected_tolerance_pct: 15\n"
	"metrics:\n"
	"  - { name: action_total, file: a.json, counter: true, expected: action_total, kind: match, max_diff_pct: 15 }\n"
	"  - { name: reconcile_total, file: r.json, counter: true, kind: lower, max_diff_pct: 60 }\n"
	"  - { name: latency_p50, file: l.json, unit: s, kind: lower, max_diff_pct: 100, min_abs_diff: 0.5 }\n"
	"  - { name: errors_total, file: e.json, counter: true, kind: lower, max_diff_pct: 0, new_metric_info: false }\n"
	"  - { name: throughput, file: t.json, kind: higher, max_diff_pct: 10 }\n"
	"  - { name: goroutines, file: g.json, kind: info }\n"
	"  - { name: missed, file: run.json, path: observed.missed, kind: lower, max_value: 0, optional: true }\n"
	"  - name: requests\n"
	"    file: q.json\n"
	"    kind: lower\n"
	"    max_diff_pct: 100\n"
	"    min_abs_diff: 50\n"
	"    pass_if:\n"
	"      - [ { metric: action_total, arm: new, meets_expected: true },\n"
	"          { metric: action_total, arm: old, meets_expected: false } ]\n"
	"      - [ { metric: reconcile_total, arm: new, equals: 0 } ]\n"
	"scenarios:\n"
	"  S5:\n"
	"    errors_total: { max_diff_pct: 50, pass_if: [ [ { arm: both, below: 50 } ] ] }\n";

static struct catalogue cat;

static int load_catalogue(const char *text, struct catalogue *c)
{
	char path[] = "/tmp/unit-rules-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return -1;
	}
	close(fd);
	int rc = catalogue_load(path, c);
	unlink(path);
	return rc;
}

/* A report with both arms (or one) whose values are set by hand. */
static void new_report(struct report *rep, const char *scenario, int has_old, int has_new)
{
	memset(rep, 0, sizeof(*rep));
	rep->cat = &cat;
	rep->scenario = strdup(scenario);
	rep->has_arm[0] = has_old;
	rep->has_arm[1] = has_new;
	rep->expected[0] = jv_null();
	rep->expected[1] = jv_null();
	rep->n = cat.n;
	rep->rows = calloc(cat.n, sizeof(*rep->rows));
	for (size_t i = 0; i < cat.n; i++) {
		rep->rows[i].m = &cat.m[i];
		rep->rows[i].r = catalogue_rule(&cat, scenario, i);
		for (int a = 0; a < 2; a++)
			rep->rows[i].v[a].state = cat.m[i].optional ? MV_NOFILE : MV_ABSENT;
	}
}

static struct row *row(struct report *rep, const char *name)
{
	long i = catalogue_find(&cat, name);

	return i < 0 ? NULL : &rep->rows[i];
}

static void set(struct report *rep, const char *name, double old, double new)
{
	struct row *r = row(rep, name);

	r->v[0].state = r->v[1].state = MV_VALUE;
	r->v[0].value = old;
	r->v[1].value = new;
}

static void expect(struct report *rep, const char *name, double old, double new)
{
	struct row *r = row(rep, name);

	r->has_exp[0] = r->has_exp[1] = 1;
	r->exp[0] = old;
	r->exp[1] = new;
}

static enum row_status judge(struct report *rep, const char *name)
{
	report_judge(rep);
	return row(rep, name)->status;
}

static void test_catalogue(void)
{
	CHECK(cat.n == 8);
	CHECK(cat.m[2].rule.has_min_abs && cat.m[2].rule.min_abs_diff == 0.5);
	CHECK(cat.m[0].ex.how == EX_SUM && cat.m[6].ex.how == EX_PATH && cat.m[6].ex.npath == 2);
	/* The override replaces the rule for S5 only. */
	CHECK(catalogue_rule(&cat, "S5", 3)->max_diff_pct == 50);
	CHECK(catalogue_rule(&cat, "S1", 3)->max_diff_pct == 0);
	CHECK(catalogue_rule(&cat, "S5", 3)->npass == 1);

	struct catalogue bad;
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, kind: wrong, max_diff_pct: 1 }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, colour: red, max_diff_pct: 1 }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: ../x.json, max_diff_pct: 1 }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, max_diff_pct: -1 }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, max_diff_pct: 1 }\n"
			     "  - { name: x, file: y.json, max_diff_pct: 1 }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, max_diff_pct: 1 }\n"
			     "scenarios: { S1: { y: { max_diff_pct: 3 } } }\n", &bad) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: x, file: x.json, max_diff_pct: 1,\n"
			     "      pass_if: [ [ { arm: new } ] ] }\n", &bad) < 0);
	CHECK(load_catalogue("version: 2\nmetrics:\n  - { name: x, file: x.json, max_diff_pct: 1 }\n", &bad) < 0);
	/* Keys in any order: scenarios may come before metrics. */
	CHECK(load_catalogue("scenarios: { S1: { x: { max_diff_pct: 3 } } }\nversion: 1\n"
			     "metrics:\n  - { name: x, file: x.json, max_diff_pct: 1 }\n", &bad) == 0);
	catalogue_free(&bad);
}

/*
 * Many rows, rows overridden in several scenarios and rows in none: each name finds its
 * row, each (scenario, row) its own override and nothing else. The numbers come from the
 * text written here, not from the catalogue.
 */
static void test_catalogue_lookups(void)
{
	struct sbuf y = SBUF_INIT;
	struct catalogue big;
	int all = 1;

	sbuf_add(&y, "version: 1\nmetrics:\n");
	for (int i = 0; i < 2000; i++)
		sbuf_addf(&y, "  - { name: m%d, file: m%d.json, max_diff_pct: %d }\n", i, i, i + 1);
	sbuf_add(&y, "scenarios:\n");
	for (int s = 0; s < 3; s++) {
		sbuf_addf(&y, "  S%d:\n", s);
		for (int i = s; i < 2000; i += 3 + s)
			sbuf_addf(&y, "    m%d: { max_diff_pct: %d }\n", i, 10000 * (s + 1) + i);
	}
	CHECK(load_catalogue(sbuf_str(&y), &big) == 0);
	CHECK(big.n == 2000);
	for (int i = 0; i < 2000; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		all &= catalogue_find(&big, name) == i;
		for (int s = 0; s < 3; s++) {
			char sc[16];
			snprintf(sc, sizeof(sc), "S%d", s);
			int over = i >= s && (i - s) % (3 + s) == 0;
			all &= catalogue_rule(&big, sc, (size_t)i)->max_diff_pct == (over ? 10000 * (s + 1) + i : i + 1);
		}
		all &= catalogue_rule(&big, "S9", (size_t)i)->max_diff_pct == i + 1;
	}
	CHECK(all);
	CHECK(catalogue_find(&big, "m2000") == -1 && catalogue_find(&big, "m") == -1);
	catalogue_free(&big);
	sbuf_free(&y);
	/* A condition names a row listed before its own, never itself or a later one. */
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: a, file: a.json, max_diff_pct: 1 }\n"
			     "  - { name: b, file: b.json, max_diff_pct: 1,\n"
			     "      pass_if: [ [ { metric: a, arm: new, equals: 0 } ] ] }\n", &big) == 0);
	catalogue_free(&big);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: a, file: a.json, max_diff_pct: 1,\n"
			     "      pass_if: [ [ { metric: b, arm: new, equals: 0 } ] ] }\n"
			     "  - { name: b, file: b.json, max_diff_pct: 1 }\n", &big) < 0);
	CHECK(load_catalogue("version: 1\nmetrics:\n  - { name: a, file: a.json, max_diff_pct: 1,\n"
			     "      pass_if: [ [ { metric: a, arm: new, equals: 0 } ] ] }\n", &big) < 0);
}

static void test_rules(void)
{
	struct report rep;

	new_report(&rep, "S2", 1, 1);
	/* should match, judged against expected within 15 %. */
	set(&rep, "action_total", 50, 44);
	expect(&rep, "action_total", 50, 50);
	CHECK(judge(&rep, "action_total") == ST_PASS);
	set(&rep, "action_total", 50, 42);
	CHECK(judge(&rep, "action_total") == ST_FAIL);
	CHECK(row(&rep, "action_total")->meets[0] == 1 && row(&rep, "action_total")->meets[1] == 0);
	/* Lower is better: 60 % more reconciles pass, 61 % fail. */
	set(&rep, "reconcile_total", 100, 160);
	CHECK(judge(&rep, "reconcile_total") == ST_PASS);
	set(&rep, "reconcile_total", 100, 161);
	CHECK(judge(&rep, "reconcile_total") == ST_FAIL);
	/* A small absolute difference passes whatever the percentage (0.01 -> 0.08 s). */
	set(&rep, "latency_p50", 0.01, 0.08);
	CHECK(judge(&rep, "latency_p50") == ST_PASS);
	set(&rep, "latency_p50", 0.4, 1.0);
	CHECK(judge(&rep, "latency_p50") == ST_FAIL);
	/* New errors fail even when old had none (no "new metric" excuse). */
	set(&rep, "errors_total", 0, 3);
	CHECK(judge(&rep, "errors_total") == ST_FAIL);
	set(&rep, "errors_total", 2, 2);
	CHECK(judge(&rep, "errors_total") == ST_PASS);
	/* 0 -> N on a row that allows it: a new metric, not judged. */
	set(&rep, "reconcile_total", 0, 10);
	CHECK(judge(&rep, "reconcile_total") == ST_INFO);
	/* Higher is better. */
	set(&rep, "throughput", 100, 89);
	CHECK(judge(&rep, "throughput") == ST_FAIL);
	set(&rep, "throughput", 100, 95);
	CHECK(judge(&rep, "throughput") == ST_PASS);
	/* Informational never fails. */
	set(&rep, "goroutines", 10, 1000);
	CHECK(judge(&rep, "goroutines") == ST_INFO);
	/* Absolute bound: any missed roll fails; the optional row is hidden without a file. */
	CHECK(judge(&rep, "missed") == ST_NA && !row(&rep, "missed")->shown);
	set(&rep, "missed", 0, 1);
	CHECK(judge(&rep, "missed") == ST_FAIL);
	set(&rep, "missed", 5, 0);
	CHECK(judge(&rep, "missed") == ST_PASS);
	report_free(&rep);
}

static void test_absent_and_errors(void)
{
	struct report rep;

	new_report(&rep, "S2", 1, 1);
	/* Not exposed on the new arm: n/a, not judged, not a failure. */
	CHECK(judge(&rep, "reconcile_total") == ST_NA);
	CHECK(rep.nfail == 0);
	/* Only new exposes it: shown, not judged. */
	struct row *r = row(&rep, "reconcile_total");
	r->v[1].state = MV_VALUE;
	r->v[1].value = 5;
	CHECK(judge(&rep, "reconcile_total") == ST_INFO);
	/* A failed query fails the scenario. */
	r->v[0].state = MV_QUERY_ERROR;
	CHECK(judge(&rep, "reconcile_total") == ST_ERROR);
	CHECK(rep.nfail == 1 && !report_passed(&rep));
	report_free(&rep);
}

static void test_pass_if(void)
{
	struct report rep;

	new_report(&rep, "S2", 1, 1);
	set(&rep, "requests", 100, 400);
	set(&rep, "reconcile_total", 10, 10);
	set(&rep, "action_total", 10, 50);
	expect(&rep, "action_total", 50, 50);
	/* New reloads correctly where old did not: more requests are excused. */
	CHECK(judge(&rep, "requests") == ST_PASS);
	set(&rep, "action_total", 50, 50);
	CHECK(judge(&rep, "requests") == ST_FAIL);
	/* Or new never reconciled. */
	set(&rep, "reconcile_total", 10, 0);
	CHECK(judge(&rep, "requests") == ST_PASS);
	report_free(&rep);

	/* S5's override: both arms below 50 errors pass; otherwise at most 50 % more. */
	new_report(&rep, "S5", 1, 1);
	set(&rep, "errors_total", 10, 30);
	CHECK(judge(&rep, "errors_total") == ST_PASS);
	set(&rep, "errors_total", 100, 150);
	CHECK(judge(&rep, "errors_total") == ST_PASS);
	set(&rep, "errors_total", 100, 151);
	CHECK(judge(&rep, "errors_total") == ST_FAIL);
	report_free(&rep);
}

static void test_single_arm(void)
{
	struct report rep;

	new_report(&rep, "S4", 0, 1);
	/* An expectation of 0 is judged like any other (S4: no reloads). */
	set(&rep, "action_total", 0, 0);
	expect(&rep, "action_total", 0, 0);
	CHECK(judge(&rep, "action_total") == ST_PASS);
	set(&rep, "action_total", 0, 1);
	CHECK(judge(&rep, "action_total") == ST_FAIL);
	/* Rows without expectation or bound are shown, not judged. */
	set(&rep, "reconcile_total", 0, 1000);
	CHECK(judge(&rep, "reconcile_total") == ST_INFO);
	set(&rep, "missed", 0, 2);
	CHECK(judge(&rep, "missed") == ST_FAIL);
	CHECK(report_single_arm(&rep) == ARM_NEW);
	report_free(&rep);
}

int main(void)
{
	if (load_catalogue(catalogue_yaml, &cat) < 0) {
		fprintf(stderr, "cannot load the test catalogue\n");
		return 1;
	}
	test_catalogue();
	test_catalogue_lookups();
	test_rules();
	test_absent_and_errors();
	test_pass_if();
	test_single_arm();
	catalogue_free(&cat);
	UNIT_DONE("test_judge");
}
