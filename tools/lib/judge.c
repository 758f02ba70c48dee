/* Judging catalogue rows for one scenario: values, expectations, rules, overrides. */
#include "judge.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"

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

int report_single_arm(const struct report *rep)
{
	if (rep->has_arm[ARM_OLD] && rep->has_arm[ARM_NEW])
		return -1;
	return rep->has_arm[ARM_NEW] ? ARM_NEW : ARM_OLD;
}

int report_passed(const struct report *rep)
{
	return rep->nfail == 0;
}

static int measured(const struct mvalue *v)
{
	return v->state == MV_VALUE;
}

/*
 * Expectations of one arm: DIR/S/ARM/expected.json (written per arm: every key present is
 * an expectation, 0 included), else DIR/S/expected.json (the reference's shared file, in
 * which 0 means "not set"). Returns 0, 1 when neither exists, -1 on a bad file.
 */
static int load_expected(const char *sdir, int arm, jv *out, int *shared)
{
	char *adir = fs_join(sdir, arm_name(arm));
	char *path = fs_join(adir, "expected.json");
	int rc = json_load(path, out);

	*shared = 0;
	if (rc == 1) {
		free(path);
		path = fs_join(sdir, "expected.json");
		rc = json_load(path, out);
		if (rc == 0)
			*shared = 1;
	}
	if (rc == 0 && jv_get_kind(*out) != JV_KIND_OBJECT) {
		errorf("'%s': expected values must be a JSON object", path);
		jv_free(*out);
		rc = -1;
	}
	free(path);
	free(adir);
	return rc;
}

static void expected_value(const struct report *rep, int arm, const char *key, int *has, double *val)
{
	double v;

	*has = 0;
	if (key == NULL || jv_get_kind(rep->expected[arm]) != JV_KIND_OBJECT)
		return;
	if (json_num(rep->expected[arm], key, &v) < 0)
		return;
	if (rep->expected_shared && v == 0)
		return;
	*has = 1;
	*val = v;
}

static int read_value(const char *adir, const struct metric_def *m, struct mvalue *out)
{
	char *path = fs_join(adir, m->file);
	jv doc;
	int rc = json_load(path, &doc);

	memset(out, 0, sizeof(*out));
	if (rc == 1) {
		out->state = MV_NOFILE;
		snprintf(out->why, sizeof(out->why), "no snapshot");
		rc = 0;
	} else if (rc == 0) {
		rc = prom_extract(path, doc, &m->ex, out);
		jv_free(doc);
		if (rc == 0 && out->state == MV_VALUE) {
			out->value *= m->scale;
			if (m->counter)
				out->value = round(out->value);
		}
	}
	free(path);
	return rc;
}

int report_build(const struct catalogue *c, const char *dir, const char *scenario, struct report *rep)
{
	char *sdir = fs_join(dir, scenario);
	char *adir[2] = { fs_join(sdir, "old"), fs_join(sdir, "new") };
	int rc = 0, shared[2] = { 0, 0 };

	memset(rep, 0, sizeof(*rep));
	rep->cat = c;
	rep->expected[0] = jv_null();
	rep->expected[1] = jv_null();
	rep->scenario = strdup(scenario);
	if (rep->scenario == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	for (int a = 0; a < 2; a++) {
		rep->has_arm[a] = fs_is_dir(adir[a]);
		/* The pipeline marks an arm whose run failed; the scenario then fails with that reason. */
		char *marker = fs_join(adir[a], "FAILED");
		char *why = rep->has_arm[a] ? fs_read(marker, NULL) : NULL;
		if (why) {
			why[strcspn(why, "\n")] = '\0';
			if (strlen(why) > 300)
				why[300] = '\0';
			rep->arm_failed[a] = why;
		}
		free(marker);
	}
	if (!rep->has_arm[0] && !rep->has_arm[1]) {
		rc = errorf("no results for scenario %s: neither '%s' nor '%s' exists", scenario, adir[0], adir[1]);
		goto out;
	}
	for (int a = 0; a < 2 && rc == 0; a++) {
		jv e;
		int r = load_expected(sdir, a, &e, &shared[a]);
		if (r < 0)
			rc = -1;
		else if (r == 0) {
			jv_free(rep->expected[a]);
			rep->expected[a] = e;
		}
	}
	if (rc < 0)
		goto out;
	rep->expected_shared = shared[0] || shared[1];
	for (int a = 1; a >= 0 && rep->description == NULL; a--) {
		const char *d = json_str(rep->expected[a], "description");
		if (d && *d)
			rep->description = strdup(d);
	}

	rep->rows = calloc(c->n ? c->n : 1, sizeof(*rep->rows));
	if (rep->rows == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	rep->n = c->n;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		struct row *row = &rep->rows[i];
		row->m = &c->m[i];
		row->r = catalogue_rule(c, scenario, i);
		for (int a = 0; a < 2 && rc == 0; a++) {
			row->v[a].state = MV_NOFILE;
			snprintf(row->v[a].why, sizeof(row->v[a].why), "no arm");
			if (rep->has_arm[a])
				rc = read_value(adir[a], row->m, &row->v[a]);
			expected_value(rep, a, row->m->expected_key, &row->has_exp[a], &row->exp[a]);
		}
	}
	if (rc == 0)
		report_judge(rep);
out:
	free(adir[0]);
	free(adir[1]);
	free(sdir);
	if (rc < 0)
		report_free(rep);
	return rc;
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

static void set(struct row *row, enum row_status st, const char *fmt, ...) LT_PRINTF(3, 4);

static void set(struct row *row, enum row_status st, const char *fmt, ...)
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
		set(row, ST_FAIL, "%s %g is above the limit %g", arm_name(arm), v, r->max_value);
		return 1;
	}
	if (r->has_min_value && v < r->min_value) {
		set(row, ST_FAIL, "%s %g is below the limit %g", arm_name(arm), v, r->min_value);
		return 1;
	}
	return 0;
}

static void judge_single(const struct report *rep, struct row *row, int arm)
{
	const struct rule *r = row->r;

	(void)rep;
	if (r->kind == RK_INFO) {
		set(row, ST_INFO, "informational");
		return;
	}
	if (r->kind == RK_MATCH && row->has_exp[arm]) {
		if (row->meets[arm])
			set(row, ST_PASS, "meets expected %g", row->exp[arm]);
		else
			set(row, ST_FAIL, "%s %g misses expected %g (±%g%%)", arm_name(arm), row->v[arm].value,
			    row->exp[arm], rep->cat->expected_tolerance_pct);
		return;
	}
	if (check_bounds(row, arm))
		return;
	if (r->has_max_value || r->has_min_value)
		set(row, ST_PASS, "within limits");
	else
		set(row, ST_INFO, "nothing to compare with");
}

static void judge_ab(const struct report *rep, struct row *row)
{
	const struct rule *r = row->r;
	double o = row->v[ARM_OLD].value, n = row->v[ARM_NEW].value;

	if (r->kind == RK_INFO) {
		set(row, ST_INFO, "informational");
		return;
	}
	if (r->kind == RK_MATCH && row->has_exp[ARM_NEW]) {
		if (row->meets[ARM_NEW])
			set(row, ST_PASS, "new meets expected %g", row->exp[ARM_NEW]);
		else
			set(row, ST_FAIL, "new %g misses expected %g (±%g%%)", n, row->exp[ARM_NEW],
			    rep->cat->expected_tolerance_pct);
	} else if (!measured(&row->v[ARM_OLD])) {
		set(row, ST_INFO, "old: %s", row->v[ARM_OLD].why);
	} else if (o == 0 && n != 0 && r->new_metric_info && !row->has_exp[ARM_NEW]) {
		set(row, ST_INFO, "new metric (0 on old)");
	} else {
		double ad = fabs(row->diff);
		switch (r->kind) {
		case RK_LOWER:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && row->diff_pct > r->max_diff_pct)
				set(row, ST_FAIL, "new is %+.1f%% above old (limit %g%%)", row->diff_pct, r->max_diff_pct);
			else
				set(row, ST_PASS, "%+.1f%%", row->diff_pct);
			break;
		case RK_HIGHER:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && row->diff_pct < -r->max_diff_pct)
				set(row, ST_FAIL, "new is %.1f%% below old (limit %g%%)", -row->diff_pct, r->max_diff_pct);
			else
				set(row, ST_PASS, "%+.1f%%", row->diff_pct);
			break;
		case RK_MATCH:
			if (r->has_min_abs && r->min_abs_diff > 0 && ad < r->min_abs_diff)
				set(row, ST_PASS, "difference %g below %g", ad, r->min_abs_diff);
			else if (r->has_max_diff && fabs(row->diff_pct) > r->max_diff_pct)
				set(row, ST_FAIL, "new differs from old by %+.1f%% (limit %g%%)", row->diff_pct,
				    r->max_diff_pct);
			else
				set(row, ST_PASS, "%+.1f%%", row->diff_pct);
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
				set(row, ST_PASS, "passes by rule %zu of pass_if", k + 1);
				break;
			}
		}
	}
}

void report_judge(struct report *rep)
{
	int single = report_single_arm(rep);

	rep->npass = rep->nfail = 0;
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
			set(row, ST_NA, "no file");
			continue;
		}
		for (int a = 0; a < 2; a++) {
			if (row->v[a].state == MV_QUERY_ERROR && rep->has_arm[a]) {
				set(row, ST_ERROR, "query failed on %s: %s", arm_name(a), row->v[a].why);
				break;
			}
		}
		if (row->status == ST_ERROR)
			goto count;
		if (!measured(&row->v[judged])) {
			set(row, ST_NA, "%s: %s", arm_name(judged), row->v[judged].why);
			goto count;
		}
		if (single >= 0)
			judge_single(rep, row, single);
		else
			judge_ab(rep, row);
count:
		if (row->status == ST_PASS)
			rep->npass++;
		else if (row->status == ST_FAIL || row->status == ST_ERROR)
			rep->nfail++;
	}
	for (int a = 0; a < 2; a++)
		if (rep->arm_failed[a])
			rep->nfail++;
}

void report_free(struct report *rep)
{
	free(rep->scenario);
	free(rep->description);
	free(rep->arm_failed[0]);
	free(rep->arm_failed[1]);
	free(rep->rows);
	jv_free(rep->expected[0]);
	jv_free(rep->expected[1]);
	memset(rep, 0, sizeof(*rep));
	rep->expected[0] = jv_invalid();
	rep->expected[1] = jv_invalid();
}
