/*
 * Exact rank statistics against values computed independently: tests/unit/ref/abstats_ref.py
 * (brute-force enumeration of every split with itertools, and scipy 1.x mannwhitneyu
 * method='exact' where there are no ties), order-statistic coverages from the binomial
 * formula, and Hodges-Lehmann intervals worked by hand below.
 */
#include "abstats.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_mwu(void)
{
	const double x1[] = { 1, 2, 3, 4, 5 }, y1[] = { 6, 7, 8, 9, 10 };
	const double x2[] = { 1.0, 2.5, 3.1, 4.2, 5.0 }, y2[] = { 1.5, 2.0, 3.5, 4.8, 6.0 };
	const double x3[] = { 1, 2, 2, 3 }, y3[] = { 2, 3, 3, 4 };
	const double x4[] = { 10, 10, 11, 12, 12, 12 }, y4[] = { 12, 13, 13, 10, 14 };
	const double x5[] = { 1, 2 }, y5[] = { 3, 4 };
	const double x6[] = { 1, 2, 3 }, y6[] = { 4, 5, 6 };
	const double x7[] = { 5, 5, 5 }, y7[] = { 5, 5, 5 };

	CHECK_NUM(mwu_p(x1, 5, y1, 5), 0.007936507936507936);	/* brute and scipy */
	CHECK_NUM(mwu_p(y1, 5, x1, 5), 0.007936507936507936);	/* symmetric in its arguments */
	CHECK_NUM(mwu_p(x2, 5, y2, 5), 0.8412698412698413);
	CHECK_NUM(mwu_p(x3, 4, y3, 4), 0.2857142857142857);	/* ties: brute force only */
	CHECK_NUM(mwu_p(x4, 6, y4, 5), 0.1406926406926407);
	CHECK_NUM(mwu_p(x5, 2, y5, 2), 0.3333333333333333);
	CHECK_NUM(mwu_p(x6, 3, y6, 3), 0.1);
	CHECK_NUM(mwu_p(x7, 3, y7, 3), 1.0);
	double x8[12], y8[14];
	for (int i = 0; i < 12; i++)
		x8[i] = 0.5 + 1.1 * i;
	for (int i = 0; i < 14; i++)
		y8[i] = 1.0 + 0.97 * i;
	CHECK_NUM(mwu_p(x8, 12, y8, 14), 0.6307851765948413);	/* scipy */
	double pmin;
	mwu_p_min(x7, 3, y7, 3, &pmin);
	CHECK_NUM(pmin, 1.0);			/* all equal: never significant */
	mwu_p_min(x2, 5, y2, 5, &pmin);
	CHECK_NUM(pmin, 2.0 / 252);		/* untied: 2 / C(10, 5) */
	mwu_p_min(x3, 4, y3, 4, &pmin);
	/* ranks of 1,2,2,2,3,3,3,4: the extreme splits {1,2,2,2} and {3,3,3,4}: 2 of C(8,4) = 70, but
	 * {1,2,2,2} can be chosen 1 way and {3,3,3,4} 1 way: 2/70. */
	CHECK_NUM(pmin, 2.0 / 70);
	CHECK(mwu_p(x1, 0, y1, 5) < 0);
	double big[31] = { 0 };
	CHECK(mwu_p(big, 31, big, 30) < 0);
	/* 2 / C(n+m, n): 3 v 3 can never go below 0.1, 2 v 2 below 1/3. */
	CHECK_NUM(mwu_min_p(3, 3), 0.1);
	CHECK_NUM(mwu_min_p(2, 2), 1.0 / 3);
	CHECK_NUM(mwu_min_p(5, 5), 2.0 / 252);
	CHECK_NUM(mwu_min_p(1, 1), 1.0);
}

static void test_holm(void)
{
	const double p[] = { 0.01, 0.04, 0.03, 0.005 };
	double adj[4];

	holm_adjust(p, 4, adj);
	/* Sorted: 0.005 x4 = 0.02, 0.01 x3 = 0.03, 0.03 x2 = 0.06, 0.04 x1 = 0.04 -> 0.06 (monotone). */
	CHECK_NUM(adj[0], 0.03);
	CHECK_NUM(adj[1], 0.06);
	CHECK_NUM(adj[2], 0.06);
	CHECK_NUM(adj[3], 0.02);
	/* One of 30 rows at raw p = 0.008 is not significant after Holm: 30 x 0.008 = 0.24. */
	double many[30], a30[30];
	for (int i = 0; i < 30; i++)
		many[i] = 0.5;
	many[7] = 0.008;
	holm_adjust(many, 30, a30);
	CHECK_NUM(a30[7], 0.24);
	CHECK_NUM(a30[0], 0.5 * 29 > 1 ? 1 : 0.5 * 29);
	const double big[] = { 0.9, 0.8 };
	double ab[2];
	holm_adjust(big, 2, ab);
	CHECK_NUM(ab[0], 1);	/* capped */
	CHECK_NUM(ab[1], 1);
}

static void test_median_ci(void)
{
	double v[30], lo, hi, cov;

	for (int i = 0; i < 30; i++)
		v[i] = i + 1;	/* x(k) = k */
	/* Known table (binomial formula, ref script): n=5 no k reaches 95 %: the whole range. */
	median_ci(v, 5, 0.95, &lo, &hi, &cov);
	CHECK_NUM(lo, 1);
	CHECK_NUM(hi, 5);
	CHECK_NUM(cov, 0.9375);
	median_ci(v, 6, 0.95, &lo, &hi, &cov);
	CHECK_NUM(lo, 1);
	CHECK_NUM(hi, 6);
	CHECK_NUM(cov, 0.96875);
	median_ci(v, 10, 0.95, &lo, &hi, &cov);
	CHECK_NUM(lo, 2);
	CHECK_NUM(hi, 9);
	CHECK_NUM(cov, 0.978515625);
	median_ci(v, 20, 0.95, &lo, &hi, &cov);
	CHECK_NUM(lo, 6);
	CHECK_NUM(hi, 15);
	CHECK_NUM(cov, 0.9586105346679688);
	median_ci(v, 30, 0.95, &lo, &hi, &cov);
	CHECK_NUM(lo, 10);
	CHECK_NUM(hi, 21);
	CHECK_NUM(cov, 0.9572260547429323);
	CHECK_NUM(median_sorted(v, 5), 3);
	CHECK_NUM(median_sorted(v, 6), 3.5);
}

static void test_hl(void)
{
	const double x[] = { 1, 2, 3, 4, 5 }, y[] = { 6, 7, 8, 9, 10 };
	double est, lo, hi, cov;

	/*
	 * By hand: the 25 differences y - x take the values 1..9, v appearing 5 - |v - 5| times.
	 * Median 5. U for 5 v 5: P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252, so c = 3:
	 * [d(3), d(23)] = [2, 8], coverage 1 - 8/252.
	 */
	CHECK(hl_shift(x, 5, y, 5, 0.95, &est, &lo, &hi, &cov) == 0);
	CHECK_NUM(est, 5);
	CHECK_NUM(lo, 2);
	CHECK_NUM(hi, 8);
	CHECK_NUM(cov, 1 - 8.0 / 252);
	/* 2 v 2: P(U <= 0) = 1/6 > 0.025: the whole range [d(1), d(4)] at coverage 2/3. */
	const double a[] = { 1, 2 }, b[] = { 4, 8 };
	CHECK(hl_shift(a, 2, b, 2, 0.95, &est, &lo, &hi, &cov) == 0);
	CHECK_NUM(est, 4.5);	/* differences 2, 3, 6, 7 */
	CHECK_NUM(lo, 2);
	CHECK_NUM(hi, 7);
	CHECK_NUM(cov, 2.0 / 3);
	CHECK(hl_shift(x, 0, y, 5, 0.95, &est, &lo, &hi, &cov) < 0);
}

static void test_critical(void)
{
	long lo, hi;

	/* 5 v 5, alpha 0.05: W = U + 15; P(U <= 2) = 4/252, twice 0.032 <= 0.05; P(U <= 3) = 7/252,
	 * twice 0.056: reject at W <= 17 or W >= 55 - 17 = 38 (as the rank-sum tables say). */
	CHECK(mwu_critical(5, 5, 0.05, &lo, &hi) == 0);
	CHECK(lo == 17 && hi == 38);
	/* 3 v 3 can never reach 0.05: an empty region below the minimum W = 6. */
	CHECK(mwu_critical(3, 3, 0.05, &lo, &hi) == 0);
	CHECK(lo == 5 && hi == 16);
	const double x[] = { 1, 2, 2 }, y[] = { 2, 5 };
	CHECK_NUM(mwu_ranksum(x, 3, y, 2), 1 + 3 + 3);	/* the three 2s share ranks 2..4 */
}

int main(void)
{
	test_critical();
	test_mwu();
	test_holm();
	test_median_ci();
	test_hl();
	UNIT_DONE("test_abstats");
}
