/*
 * Statistics for A/B verdicts over repeated runs: exact Mann-Whitney U test (ties by
 * midranks, exact conditional distribution: no normal approximation), Holm-Bonferroni
 * adjustment, confidence interval of a median by order statistics, and the
 * Hodges-Lehmann shift with its distribution-free interval.
 */
#ifndef LT_ABSTATS_H
#define LT_ABSTATS_H

#include <stddef.h>

/* The largest total sample size the exact tests accept (n + m). */
#define ABSTATS_MAX_N 60

/*
 * Two-sided p-value of the Mann-Whitney U test of x (n values) against y (m values):
 * P(|W - E[W]| >= |w - E[W]|) where W is the sum of x's midranks over every way of
 * choosing n of the n + m pooled values (the exact distribution given the ties).
 * Returns -1 when n or m is 0 or n + m > ABSTATS_MAX_N.
 */
double mwu_p(const double *x, size_t n, const double *y, size_t m);
/*
 * The same, and in *pmin the smallest p-value any split of these pooled values could give
 * (the most extreme rank sums, given the ties): a row whose pmin is not below alpha can
 * never be significant, whatever happens (all values equal: pmin = 1).
 */
double mwu_p_min(const double *x, size_t n, const double *y, size_t m, double *pmin);
/* The smallest two-sided p-value samples of sizes n and m can give: 2 / C(n+m, n), or 1. */
double mwu_min_p(size_t n, size_t m);

/*
 * The two-sided rejection region of the exact test without ties at level alpha: reject
 * when the rank sum of the first sample W <= *lo or W >= *hi. *lo < min W (and *hi > max W)
 * when no region is possible. Returns -1 like mwu_p.
 */
int mwu_critical(size_t n, size_t m, double alpha, long *lo, long *hi);
/* Rank sum of x in the pooled x and y (midranks), for use with mwu_critical. */
double mwu_ranksum(const double *x, size_t n, const double *y, size_t m);

/* Holm-Bonferroni adjusted p-values (step-down, monotone, at most 1) of k raw p-values. */
void holm_adjust(const double *p, size_t k, double *adj);

/*
 * Interval of the median of n sorted values by order statistics: [x(k), x(n-k+1)] with the
 * largest k whose coverage 1 - 2 P(Bin(n, 1/2) <= k - 1) is at least conf. When no k
 * reaches conf (n <= 5 for 95 %), the whole range [x(1), x(n)]. *achieved gets the
 * interval's exact coverage. n >= 1.
 */
void median_ci(const double *sorted, size_t n, double conf, double *lo, double *hi, double *achieved);
/* The median of n sorted values (mean of the middle two when n is even). */
double median_sorted(const double *sorted, size_t n);

/*
 * Hodges-Lehmann estimate of the shift y - x (the median of the n*m differences y_j - x_i)
 * and its interval from the exact distribution of U (no ties assumed for the interval):
 * [d(c), d(nm - c + 1)] for the largest c with P(U < c) <= (1 - conf) / 2. When n and m
 * are too small for conf, the interval is [d(1), d(nm)] and *achieved says its coverage.
 * Returns 0, or -1 when n or m is 0 or n + m > ABSTATS_MAX_N.
 */
int hl_shift(const double *x, size_t n, const double *y, size_t m, double conf, double *est, double *lo,
	     double *hi, double *achieved);

#endif
