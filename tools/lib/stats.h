/* Order statistics of samples (latencies, lateness): percentiles and maximum. */
#ifndef LT_STATS_H
#define LT_STATS_H

#include <jv.h>
#include <stddef.h>

struct dist {
	size_t n;
	double p50, p95, p99, max, mean;
};

/* Summarise n samples (the array is sorted in place). With n == 0 nothing is measured. */
void dist_compute(double *v, size_t n, struct dist *d);
/* Percentile q (0..100) of sorted samples, by linear interpolation between closest ranks. */
double percentile_sorted(const double *v, size_t n, double q);
/* {"count":n,"p50":..,"p95":..,"p99":..,"max":..,"mean":..}; only "count" when n == 0. */
jv dist_json(const struct dist *d);

#endif
