/* Percentiles by interpolation between closest ranks. */
#include "stats.h"
#include "jsonf.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y ? 1 : 0;
}

double percentile_sorted(const double *v, size_t n, double q)
{
	if (n == 0)
		return 0;
	if (n == 1 || q <= 0)
		return v[0];
	if (q >= 100)
		return v[n - 1];
	double pos = q / 100.0 * (double)(n - 1);
	size_t lo = (size_t)pos;
	double frac = pos - (double)lo;
	return lo + 1 < n ? v[lo] + (v[lo + 1] - v[lo]) * frac : v[lo];
}

void dist_compute(double *v, size_t n, struct dist *d)
{
	double sum = 0;

	d->n = n;
	d->p50 = d->p95 = d->p99 = d->max = d->mean = 0;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	d->p50 = percentile_sorted(v, n, 50);
	d->p95 = percentile_sorted(v, n, 95);
	d->p99 = percentile_sorted(v, n, 99);
	d->max = v[n - 1];
	d->mean = sum / (double)n;
}

jv dist_json(const struct dist *d)
{
	jv o = jv_object_set(jv_object(), jv_string("count"), jv_number((double)d->n));
	int has = d->n > 0;

	o = json_set_num(o, "p50", has, d->p50);
	o = json_set_num(o, "p95", has, d->p95);
	o = json_set_num(o, "p99", has, d->p99);
	o = json_set_num(o, "max", has, d->max);
	o = json_set_num(o, "mean", has, d->mean);
	return o;
}
