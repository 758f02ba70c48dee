/*
 * Repeated arms: DIR/S/ARM/1, 2, ... each hold one run. Every repeat is judged on its own
 * (report_build_dirs), then merged: exact rows fail when any repeat fails them; the other
 * rows compare the arms' repeats with the exact Mann-Whitney U test, Holm-adjusted.
 */
#include "abstats.h"
#include "fsio.h"
#include "judge.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF 0.95

const char *stat_verdict_name(enum stat_verdict v)
{
	switch (v) {
	case SV_NONE: return "";
	case SV_SAME: return "~";
	case SV_IMPROVED: return "improved";
	case SV_REGRESSED: return "regressed";
	case SV_INCONCLUSIVE: return "inconclusive";
	}
	return "?";
}

static int all_digits(const char *s)
{
	if (*s == '\0' || *s == '0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

size_t arm_repeats(const char *adir, char ***names)
{
	size_t n = 0, k = 0;
	char **all = adir ? fs_subdirs(adir, &n) : NULL;

	if (names)
		*names = NULL;
	if (all == NULL)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (all_digits(all[i]))
			all[k++] = all[i];
		else
			free(all[i]);
	}
	all[k] = NULL;
	if (names && k)
		*names = all;
	else
		fs_free_list(all);
	return k;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Judged in every repeat rather than by a test: a row with an expectation, an absolute
 * limit, or no tolerated rise at all (errors). One failing repeat fails it.
 */
static int exact_row(const struct row *row)
{
	const struct rule *r = row->r;

	return row->m->expected_key != NULL || r->has_max_value || r->has_min_value ||
	       (r->has_max_diff && r->max_diff_pct == 0);
}

/* Union of the repeat names of both arms, naturally sorted; a flat arm is repeat "1". */
static char **repeat_keys(char *const adir[2], size_t *count)
{
	char **names[2];
	size_t nr[2], n = 0;
	char **keys;

	for (int a = 0; a < 2; a++)
		nr[a] = arm_repeats(adir[a], &names[a]);
	keys = xcalloc(nr[0] + nr[1] + 2, sizeof(*keys));
	for (int a = 0; a < 2; a++) {
		const char *flat[] = { "1", NULL };
		char *const *list = nr[a] ? names[a] : (adir[a] && fs_is_dir(adir[a]) ? (char *const *)flat : NULL);
		for (size_t i = 0; list && list[i]; i++) {
			int dup = 0;
			for (size_t k = 0; k < n; k++)
				dup |= strcmp(keys[k], list[i]) == 0;
			if (!dup)
				keys[n++] = xstrdup(list[i]);
		}
		if (nr[a])
			fs_free_list(names[a]);
	}
	for (size_t i = 1; i < n; i++)	/* a few names: insertion sort */
		for (size_t j = i; j > 0 && natural_cmp(keys[j - 1], keys[j]) > 0; j--) {
			char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	*count = n;
	return keys;
}

/* The folder of repeat key in an arm: ADIR/KEY, or ADIR itself for a flat arm's "1". */
static char *repeat_dir(const char *adir, const char *key)
{
	if (adir == NULL || !fs_is_dir(adir))
		return NULL;
	if (arm_repeats(adir, NULL) == 0)
		return strcmp(key, "1") == 0 ? xstrdup(adir) : NULL;
	char *d = fs_join(adir, key);
	if (!fs_is_dir(d)) {
		free(d);
		return NULL;
	}
	return d;
}

static char *prefixed(const char *key, const char *why)
{
	return xasprintf("repeat %s: %s", key, why);
}

/* One arm's values of row i over the repeats: sorted measured values, merged mvalue. */
static void merge_values(struct report *rep, const struct report *subs, char **keys, size_t nk, size_t i, int a)
{
	struct row *row = &rep->rows[i];
	double *vals = xcalloc(nk, sizeof(double)), *exps = xcalloc(nk, sizeof(double));
	size_t nv = 0, ne = 0;
	const struct mvalue *error = NULL, *first = NULL;
	const char *error_key = NULL;

	for (size_t k = 0; k < nk; k++) {
		if (!subs[k].has_arm[a])
			continue;
		const struct row *sr = &subs[k].rows[i];
		if (first == NULL)
			first = &sr->v[a];
		if (sr->v[a].state == MV_VALUE)
			vals[nv++] = sr->v[a].value;
		else if (sr->v[a].state == MV_QUERY_ERROR && error == NULL) {
			error = &sr->v[a];
			error_key = keys[k];
		}
		if (sr->has_exp[a])
			exps[ne++] = sr->exp[a];
	}
	qsort(vals, nv, sizeof(double), cmp_double);
	qsort(exps, ne, sizeof(double), cmp_double);
	if (error) {
		row->v[a] = *error;
		snprintf(row->v[a].why, sizeof(row->v[a].why), "repeat %.8s: %.200s", error_key, error->why);
	} else if (nv > 0) {
		row->v[a].state = MV_VALUE;
		row->v[a].value = median_sorted(vals, nv);
	} else if (first) {
		row->v[a] = *first;
	} else {
		row->v[a].state = MV_NOFILE;
		snprintf(row->v[a].why, sizeof(row->v[a].why), "no arm");
	}
	row->has_exp[a] = ne > 0;
	row->exp[a] = ne ? median_sorted(exps, ne) : 0;
	row->st.n[a] = nv;
	row->st.vals[a] = vals;
	free(exps);
}

/* Exact rows: the verdict of every repeat; any failure fails the row. */
static void judge_exact(struct row *row, const struct report *subs, char **keys, size_t nk, size_t i)
{
	size_t judged = 0, failed = 0;
	const struct row *worst = NULL;
	const char *worst_key = NULL;

	for (size_t k = 0; k < nk; k++) {
		const struct row *sr = &subs[k].rows[i];
		if (sr->status == ST_PASS || sr->status == ST_FAIL || sr->status == ST_ERROR)
			judged++;
		if (sr->status == ST_FAIL || sr->status == ST_ERROR) {
			failed++;
			if (worst == NULL || (sr->status == ST_ERROR && worst->status != ST_ERROR)) {
				worst = sr;
				worst_key = keys[k];
			}
		}
	}
	row->st.exact = 1;
	row->st.rep_judged = judged;
	row->st.rep_failed = failed;
	if (failed)
		row_set(row, worst->status, "failed in %zu of %zu repeats; repeat %s: %s", failed, judged, worst_key,
		     worst->reason);
	else if (judged)
		row_set(row, ST_PASS, "passed in each of %zu repeats", judged);
}

/* Statistics of a row whose arms both have two measured repeats or more. */
static void row_statistics(struct row *row)
{
	struct row_stats *st = &row->st;
	size_t n0 = st->n[0], n1 = st->n[1];
	double *x = st->vals[0], *y = st->vals[1];
	int positive = 1;

	for (int a = 0; a < 2; a++)
		median_ci(st->vals[a], st->n[a], CONF, &st->med_lo[a], &st->med_hi[a], &st->med_cov[a]);
	for (size_t i = 0; i < n0; i++)
		positive &= x[i] > 0;
	for (size_t i = 0; i < n1; i++)
		positive &= y[i] > 0;
	double est, lo, hi, cov;
	if (positive) {
		/* Point: the ratio of the medians; interval: Hodges-Lehmann on the logarithms. */
		double *lx = xcalloc(n0, sizeof(double)), *ly = xcalloc(n1, sizeof(double));
		for (size_t i = 0; i < n0; i++)
			lx[i] = log(x[i]);
		for (size_t i = 0; i < n1; i++)
			ly[i] = log(y[i]);
		hl_shift(lx, n0, ly, n1, CONF, &est, &lo, &hi, &cov);
		st->has_ratio = 1;
		st->diff = median_sorted(y, n1) / median_sorted(x, n0);
		st->diff_lo = exp(lo);
		st->diff_hi = exp(hi);
		free(lx);
		free(ly);
	} else {
		hl_shift(x, n0, y, n1, CONF, &est, &lo, &hi, &cov);
		st->diff = median_sorted(y, n1) - median_sorted(x, n0);
		st->diff_lo = lo;
		st->diff_hi = hi;
	}
	st->diff_cov = cov;
	st->p = mwu_p_min(x, n0, y, n1, &st->pmin);
	st->has_p = st->p >= 0;
}

/* The practical threshold of the rule, on the medians, in the bad direction: practical_pct
 * and practical_abs where the catalogue gives them, else max_diff_pct and min_abs_diff. */
static int beyond_threshold(const struct row *row, int *bad, int *good)
{
	const struct rule *r = row->r;
	double o = row->v[ARM_OLD].value, n = row->v[ARM_NEW].value, d = n - o;
	double pct = o != 0 ? d / o * 100 : n != 0 ? 100 : 0;
	int has_pct = r->has_practical_pct || r->has_max_diff;
	double max_pct = r->has_practical_pct ? r->practical_pct : r->max_diff_pct;
	double min_abs = r->has_practical_abs ? r->practical_abs : r->has_min_abs ? r->min_abs_diff : 0;

	*bad = r->kind == RK_LOWER ? d > 0 : r->kind == RK_HIGHER ? d < 0 : d != 0;
	*good = r->kind == RK_LOWER ? d < 0 : r->kind == RK_HIGHER ? d > 0 : 0;
	if (!*bad || fabs(d) < min_abs)
		return 0;
	return !has_pct || fabs(pct) > max_pct;	/* the direction is already bad */
}

/*
 * The statistical verdict of a row given its adjusted p: FAIL only when significant AND
 * beyond the threshold in the bad direction. thr_status/thr_reason: the threshold rule on
 * the medians (report_judge's), used when n is too small for any p below alpha.
 */
static void decide(struct row *row, double alpha)
{
	enum row_status thr_status = (enum row_status)row->st.thr_status;
	const char *thr_reason = row->st.thr_reason;
	struct row_stats *st = &row->st;
	double pct = row->v[0].value != 0 ? (row->v[1].value - row->v[0].value) / row->v[0].value * 100 : 0;
	int bad, good, beyond = beyond_threshold(row, &bad, &good);

	if (!row->r->primary) {
		/* Shown with its statistics, never failing: outside the corrected family. */
		st->sv = st->p >= alpha ? SV_SAME : beyond ? SV_REGRESSED : good ? SV_IMPROVED : SV_SAME;
		row_set(row, ST_INFO, "secondary row, not judged: medians %+.1f%%, raw p = %.3g", pct, st->p);
	} else if (!st->in_family) {
		st->sv = SV_INCONCLUSIVE;
		row_set(row, thr_status, "inconclusive (%s: no p below %g is possible); threshold rule on medians: %s",
		     mwu_min_p(st->n[0], st->n[1]) >= alpha ? "n too small" : "too many ties", alpha, thr_reason);
	} else if (st->p_adj < alpha && beyond) {
		st->sv = SV_REGRESSED;
		row_set(row, ST_FAIL, "regressed: medians %+.1f%%, adjusted p = %.3g < %g", pct, st->p_adj, alpha);
	} else if (st->p_adj < alpha && good) {
		st->sv = SV_IMPROVED;
		row_set(row, ST_PASS, "improved: medians %+.1f%%, adjusted p = %.3g", pct, st->p_adj);
	} else {
		st->sv = SV_SAME;
		row_set(row, ST_PASS, "~ %s: medians %+.1f%%, adjusted p = %.3g",
		     st->p_adj < alpha ? "(significant, within the threshold)" : "(no significant change)", pct,
		     st->p_adj);
	}
}

/*
 * Holm across the family (the primary rows among rows[] whose ties and n allow a p below
 * alpha: a row that can never be significant only dilutes the others, as Tarone noted),
 * then every row's verdict. Returns the family's size.
 */
static size_t holm_rows(struct row **rows, size_t k, double alpha)
{
	double *p = xcalloc(k, sizeof(double)), *adj = xcalloc(k, sizeof(double));
	size_t nf = 0;

	for (size_t i = 0; i < k; i++) {
		struct row_stats *st = &rows[i]->st;
		st->in_family = rows[i]->r->primary && st->pmin < alpha;
		st->p_adj = st->p;
		if (st->in_family)
			p[nf++] = st->p;
	}
	holm_adjust(p, nf, adj);
	for (size_t i = 0, f = 0; i < k; i++) {
		if (rows[i]->st.in_family)
			rows[i]->st.p_adj = adj[f++];
		decide(rows[i], alpha);
	}
	free(p);
	free(adj);
	return nf;
}

/* The rows of reps judged by a test (an array to free). */
static size_t stat_rows(struct report *const *reps, size_t n, struct row ***rows)
{
	size_t k = 0, cap = 0;

	for (size_t r = 0; r < n; r++)
		cap += reps[r]->n;
	*rows = xcalloc(cap, sizeof(**rows));
	for (size_t r = 0; r < n; r++)
		for (size_t i = 0; i < reps[r]->n; i++)
			if (reps[r]->rows[i].st.has_p)
				(*rows)[k++] = &reps[r]->rows[i];
	return k;
}

void reports_holm(struct report *const *reps, size_t n, double alpha)
{
	struct row **rows;
	size_t k = stat_rows(reps, n, &rows);

	holm_rows(rows, k, alpha);
	for (size_t r = 0; r < n; r++)
		report_count(reps[r]);
	free(rows);
}

/* What the repeats of each arm say about the arm as a whole: whether it ran, how often, its
   expectations, why it failed or is not valid (the first repeat that says so), its checks. */
static void merge_arms(struct report *rep, const struct report *subs, char **keys, size_t nk)
{
	for (int a = 0; a < 2; a++) {
		rep->expected[a] = jv_null();
		for (size_t k = 0; k < nk; k++) {
			if (!subs[k].has_arm[a])
				continue;
			rep->has_arm[a] = 1;
			rep->nrep[a]++;
			if (jv_get_kind(rep->expected[a]) == JV_KIND_NULL) {
				jv_free(rep->expected[a]);
				rep->expected[a] = jv_copy(subs[k].expected[a]);
			}
			if (subs[k].arm_failed[a] && rep->arm_failed[a] == NULL)
				rep->arm_failed[a] = prefixed(keys[k], subs[k].arm_failed[a]);
			if (subs[k].arm_invalid[a] && rep->arm_invalid[a] == NULL)
				rep->arm_invalid[a] = prefixed(keys[k], subs[k].arm_invalid[a]);
		}
	}
	for (size_t k = 0; k < nk; k++) {
		rep->expected_shared |= subs[k].expected_shared;
		if (rep->description == NULL && subs[k].description)
			rep->description = xstrdup(subs[k].description);
		for (size_t i = 0; i < subs[k].nchecks; i++) {
			rep->checks = xrealloc(rep->checks, (rep->nchecks + 1) * sizeof(*rep->checks));
			rep->checks[rep->nchecks] = subs[k].checks[i];
			rep->checks[rep->nchecks++].repeat = atoi(keys[k]);
		}
	}
}

/* Judge the merged rows: the threshold rule on the medians, then exact rows in every repeat and
   the others by their statistics, Holm-corrected over the primary ones. */
static void judge_rows(struct report *rep, const struct report *subs, char **keys, size_t nk)
{
	/* The threshold rule on the medians first (it also decides what is shown and n/a). */
	report_judge(rep);
	for (size_t i = 0; i < rep->n; i++) {
		struct row *row = &rep->rows[i];
		if (!row->shown || row->status == ST_ERROR || row->status == ST_NA)
			continue;
		if (exact_row(row))
			judge_exact(row, subs, keys, nk, i);
		else if (row->r->kind != RK_INFO && row->st.n[0] >= 2 && row->st.n[1] >= 2)
			row_statistics(row);
	}
	struct report *self = rep;
	struct row **rows;
	size_t ns = stat_rows(&self, 1, &rows);
	for (size_t i = 0; i < ns; i++) {
		rows[i]->st.thr_status = rows[i]->status;
		snprintf(rows[i]->st.thr_reason, sizeof(rows[i]->st.thr_reason), "%s", rows[i]->reason);
	}
	rep->nstat = holm_rows(rows, ns, rep->cat->alpha);
	free(rows);
}

int report_build_repeats(const struct catalogue *c, const char *sdir, const char *scenario, char *const adir[2],
			 struct report *rep)
{
	size_t nk;
	char **keys = repeat_keys(adir, &nk);
	struct report *subs = xcalloc(nk, sizeof(*subs));
	size_t built = 0;
	int rc = 0;

	for (; built < nk && rc == 0; built++) {
		char *d[2] = { repeat_dir(adir[0], keys[built]), repeat_dir(adir[1], keys[built]) };
		rc = report_build_dirs(c, sdir, scenario, d, &subs[built]);
		free(d[0]);
		free(d[1]);
	}
	if (rc < 0) {
		built--;	/* the failed one freed itself */
		goto out;
	}

	memset(rep, 0, sizeof(*rep));
	rep->cat = c;
	rep->repeated = 1;
	rep->scenario = xstrdup(scenario);
	merge_arms(rep, subs, keys, nk);
	rep->n = c->n;
	rep->rows = xcalloc(c->n, sizeof(*rep->rows));
	for (size_t i = 0; i < c->n; i++) {
		rep->rows[i].m = subs[0].rows[i].m;
		rep->rows[i].r = subs[0].rows[i].r;
		for (int a = 0; a < 2; a++)
			merge_values(rep, subs, keys, nk, i, a);
	}
	judge_rows(rep, subs, keys, nk);
	report_count(rep);
out:
	for (size_t k = 0; k < built; k++)
		report_free(&subs[k]);
	free(subs);
	for (size_t k = 0; k < nk; k++)
		free(keys[k]);
	free(keys);
	return rc;
}
