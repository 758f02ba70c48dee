/* Exact rank statistics for A/B verdicts (see abstats.h). */
#include "abstats.h"
#include "msg.h"
#include "wrapper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct tagged {
	double v;
	int from_x;
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v, y = ((const struct tagged *)b)->v;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * cnt[s] for s in 0..smax: in how many ways k of the N integer scores r[] sum to s. The
 * table cnt[j][s] (j = 0..k) is filled one score at a time, j downwards so that each score
 * is used once: O(N k smax) additions. Counts are doubles: C(60, 30) ~ 1.2e17 is exact to
 * about 16 digits, far finer than any p-value needs.
 */
static double *subset_sums(const int *r, size_t N, size_t k, size_t smax)
{
	double *t = xcalloc((k + 1) * (smax + 1), sizeof(double));
	double *out = xcalloc(smax + 1, sizeof(double));

	t[0] = 1;
	for (size_t i = 0; i < N; i++) {
		size_t top = i + 1 < k ? i + 1 : k;
		for (size_t j = top; j >= 1; j--) {
			double *row = t + j * (smax + 1), *prev = t + (j - 1) * (smax + 1);
			for (size_t s = smax; s >= (size_t)r[i]; s--) {
				row[s] += prev[s - (size_t)r[i]];
				if (s == 0)
					break;
			}
		}
	}
	memcpy(out, t + k * (smax + 1), (smax + 1) * sizeof(double));
	free(t);
	return out;
}

/* The null distribution of the rank sum W of n values among N without ties (ranks 1..N):
 * counts for W = 0..*smax, and their total C(N, n). */
static double *untied_ranksums(size_t n, size_t N, size_t *smax, double *total)
{
	int *r = xcalloc(N, sizeof(int));

	for (size_t i = 0; i < N; i++)
		r[i] = (int)(i + 1);
	*smax = N * (N + 1) / 2;
	double *cnt = subset_sums(r, N, n, *smax);
	*total = 0;
	for (size_t s = 0; s <= *smax; s++)
		*total += cnt[s];
	free(r);
	return cnt;
}

double mwu_p(const double *x, size_t n, const double *y, size_t m)
{
	return mwu_p_min(x, n, y, m, NULL);
}

double mwu_p_min(const double *x, size_t n, const double *y, size_t m, double *pmin)
{
	size_t N = n + m;

	if (n == 0 || m == 0 || N > ABSTATS_MAX_N)
		return -1;
	struct tagged *all = xcalloc(N, sizeof(*all));
	int *r2 = xcalloc(N, sizeof(int));	/* midranks, doubled to stay whole */
	long w2 = 0;

	for (size_t i = 0; i < n; i++)
		all[i] = (struct tagged){ x[i], 1 };
	for (size_t j = 0; j < m; j++)
		all[n + j] = (struct tagged){ y[j], 0 };
	qsort(all, N, sizeof(*all), cmp_tagged);
	for (size_t i = 0; i < N;) {
		size_t j = i;
		while (j + 1 < N && all[j + 1].v == all[i].v)
			j++;
		for (size_t k = i; k <= j; k++) {
			r2[k] = (int)(i + j + 2);	/* 2 x the mean of ranks i+1 .. j+1 */
			if (all[k].from_x)
				w2 += r2[k];
		}
		i = j + 1;
	}
	size_t smax = N * (N + 1);
	double *cnt = subset_sums(r2, N, n, smax);
	long e2 = (long)(n * (N + 1));	/* 2 E[W] */
	long dev = labs(w2 - e2), wlo = 0, whi = 0;
	double tail = 0, total = 0, extreme = 0;

	for (size_t i = 0; i < n; i++) {
		wlo += r2[i];		/* the n smallest ranks */
		whi += r2[N - 1 - i];	/* the n largest */
	}
	long devmax = whi - e2 > e2 - wlo ? whi - e2 : e2 - wlo;
	for (size_t s = 0; s <= smax; s++) {
		total += cnt[s];
		if (labs((long)s - e2) >= dev)
			tail += cnt[s];
		if (labs((long)s - e2) >= devmax)
			extreme += cnt[s];
	}
	if (pmin)
		*pmin = extreme / total > 1 ? 1 : extreme / total;
	free(cnt);
	free(r2);
	free(all);
	double p = tail / total;
	return p > 1 ? 1 : p;
}

double mwu_min_p(size_t n, size_t m)
{
	double c = 1;

	for (size_t i = 1; i <= n; i++)
		c = c * (double)(m + i) / (double)i;	/* C(n+m, n) */
	return 2 / c > 1 ? 1 : 2 / c;
}

int mwu_critical(size_t n, size_t m, double alpha, long *lo, long *hi)
{
	size_t N = n + m;

	if (n == 0 || m == 0 || N > ABSTATS_MAX_N)
		return -1;
	size_t smax, wmin = n * (n + 1) / 2;
	double total, tail = 0, *cnt = untied_ranksums(n, N, &smax, &total);
	/* The distribution is symmetric about n(N+1)/2: grow the lower tail, mirror it. */
	*lo = (long)wmin - 1;
	for (size_t s = wmin; s <= smax; s++) {
		tail += cnt[s];
		if (2 * tail / total > alpha)
			break;
		*lo = (long)s;
	}
	*hi = (long)(n * (N + 1)) - *lo;
	free(cnt);
	return 0;
}

double mwu_ranksum(const double *x, size_t n, const double *y, size_t m)
{
	double w = 0;

	for (size_t i = 0; i < n; i++) {
		double below = 0, equal = 0;
		for (size_t j = 0; j < n; j++) {
			below += x[j] < x[i];
			equal += x[j] == x[i];
		}
		for (size_t j = 0; j < m; j++) {
			below += y[j] < x[i];
			equal += y[j] == x[i];
		}
		w += below + (equal + 1) / 2;	/* midrank */
	}
	return w;
}

struct ranked {
	double p;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->p, y = ((const struct ranked *)b)->p;

	return x < y ? -1 : x > y;
}

void holm_adjust(const double *p, size_t k, double *adj)
{
	struct ranked *r = xcalloc(k, sizeof(*r));
	double run = 0;

	for (size_t i = 0; i < k; i++)
		r[i] = (struct ranked){ p[i], i };
	qsort(r, k, sizeof(*r), cmp_ranked);
	for (size_t j = 0; j < k; j++) {
		double a = (double)(k - j) * r[j].p;
		if (a > 1)
			a = 1;
		if (a > run)
			run = a;	/* step-down: never below an earlier (smaller) one */
		adj[r[j].i] = run;
	}
	free(r);
}

double median_sorted(const double *v, size_t n)
{
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* P(Bin(n, 1/2) <= k), summed exactly enough for n <= a few hundred. */
static double binom_half_cdf(size_t n, size_t k)
{
	double term = pow(0.5, (double)n), sum = 0;

	for (size_t i = 0; i <= k && i <= n; i++) {
		sum += term;
		term = term * (double)(n - i) / (double)(i + 1);
	}
	return sum;
}

void median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi, double *achieved)
{
	size_t best = 1;
	double cover = 1 - 2 * binom_half_cdf(n, 0);

	for (size_t k = 2; k <= (n + 1) / 2; k++) {
		double c = 1 - 2 * binom_half_cdf(n, k - 1);
		if (c < conf)
			break;
		best = k;
		cover = c;
	}
	if (cover < 0)
		cover = 0;
	*lo = sorted[best - 1];
	*hi = sorted[n - best];
	*achieved = cover;
}

int hl_shift(const double *x, size_t n, const double *y, size_t m, double conf, double *est, double *lo,
	     double *hi, double *achieved)
{
	size_t N = n + m, nm = n * m;

	if (n == 0 || m == 0 || N > ABSTATS_MAX_N)
		return -1;
	double *d = xcalloc(nm, sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			d[i * m + j] = y[j] - x[i];
	qsort(d, nm, sizeof(double), cmp_double);
	*est = median_sorted(d, nm);

	/* The distribution of U = W - n(n+1)/2 with untied ranks 1..N. */
	size_t smax, off = n * (n + 1) / 2;
	double total, *cnt = untied_ranksums(n, N, &smax, &total);
	/* P(U <= c - 1) for c = 1, 2, ...: keep the largest c whose interval covers conf. */
	size_t c = 1;
	double below = cnt[off] / total;	/* P(U <= 0) */
	double cover = 1 - 2 * below;
	for (size_t cc = 2; cc <= (nm + 1) / 2; cc++) {
		below += cnt[off + cc - 1] / total;
		double cv = 1 - 2 * below;
		if (cv < conf)
			break;
		c = cc;
		cover = cv;
	}
	*lo = d[c - 1];
	*hi = d[nm - c];
	*achieved = cover < 0 ? 0 : cover;
	free(cnt);
	free(d);
	return 0;
}
