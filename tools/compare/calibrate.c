/*
 * Calibration from an A/A run (the same build in both arms, repeated): per row, how noisy
 * it is (coefficient of variation), the smallest change the run's repeats could detect
 * (the noise floor), how many repeats a 10 %, 20 % and 50 % change would need, and whether
 * the row's practical threshold sits below its noise floor.
 *
 * Power is estimated by simulation: multiplicative noise with the row's measured CV
 * (normal, clipped at zero), a fixed seed, the exact rank-sum test at alpha / k (Holm's
 * strictest step over the scenario's k statistical rows), 400 trials per point.
 */
#include "abstats.h"
#include "calibrate.h"
#include "render.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIALS 400
#define POWER 0.8
#define MAX_REPEATS 30

struct rng {
	uint64_t s;
};

static double uniform(struct rng *r)
{
	/* xorshift64*: repeatable across machines, good enough for a power estimate. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (double)((r->s * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double normal(struct rng *r)
{
	double u = uniform(r), v = uniform(r);

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(2 * M_PI * v);
}

struct crit {
	long lo, hi;
	int ok;
};

/* Critical rank sums for n v n at level alpha, computed once per n. */
static const struct crit *critical(double alpha, size_t n)
{
	static struct crit cache[MAX_REPEATS + 1];
	static double cached_alpha = -1;

	if (cached_alpha != alpha) {
		memset(cache, 0, sizeof(cache));
		cached_alpha = alpha;
	}
	if (!cache[n].ok) {
		mwu_critical(n, n, alpha, &cache[n].lo, &cache[n].hi);
		cache[n].ok = 1;
	}
	return &cache[n];
}

/* Probability that n v n repeats detect a relative change d with noise cv at level alpha. */
static double power(double cv, double d, size_t n, double alpha, uint64_t seed)
{
	const struct crit *c = critical(alpha, n);
	struct rng r = { seed };
	double x[MAX_REPEATS], y[MAX_REPEATS];
	int hits = 0;

	if (c->lo < (long)(n * (n + 1) / 2))
		return 0;	/* no rejection region at all: n is too small for alpha */
	for (int t = 0; t < TRIALS; t++) {
		for (size_t i = 0; i < n; i++) {
			x[i] = fmax(0, 1 + cv * normal(&r));
			y[i] = fmax(0, (1 + d) * (1 + cv * normal(&r)));
		}
		double w = mwu_ranksum(x, n, y, n);
		hits += w <= (double)c->lo || w >= (double)c->hi;
	}
	return (double)hits / TRIALS;
}

/* The fewest repeats per arm that detect d with POWER, or 0 when more than MAX_REPEATS. */
static size_t repeats_needed(double cv, double d, double alpha)
{
	for (size_t n = 2; n <= MAX_REPEATS; n++)
		if (power(cv, d, n, alpha, 42 + n) >= POWER)
			return n;
	return 0;
}

/* The smallest relative change n v n repeats detect with POWER (bisection), or -1 if even
 * a five-fold change is not. */
static double noise_floor(double cv, size_t n, double alpha)
{
	double lo = 0, hi = 4;

	if (power(cv, hi, n, alpha, 7) < POWER)
		return -1;
	for (int i = 0; i < 14; i++) {
		double mid = (lo + hi) / 2;
		if (power(cv, mid, n, alpha, 7) >= POWER)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

static void moments(const struct row_stats *st, double *mean, double *sd, size_t *n)
{
	double s = 0, ss = 0;

	*n = st->n[0] + st->n[1];
	for (int a = 0; a < 2; a++)
		for (size_t i = 0; i < st->n[a]; i++)
			s += st->vals[a][i];
	*mean = *n ? s / (double)*n : 0;
	for (int a = 0; a < 2; a++)
		for (size_t i = 0; i < st->n[a]; i++)
			ss += (st->vals[a][i] - *mean) * (st->vals[a][i] - *mean);
	*sd = *n > 1 ? sqrt(ss / (double)(*n - 1)) : 0;
}

/* The threshold that matters over repeats: practical_pct, else max_diff_pct. */
static int threshold_pct(const struct rule *r, double *pct)
{
	if (r->has_practical_pct)
		*pct = r->practical_pct;
	else if (r->has_max_diff)
		*pct = r->max_diff_pct;
	else
		return 0;
	return 1;
}

jv calibrate_report(const struct report *rep)
{
	jv rows = jv_array();
	double alpha = rep->cat->alpha / (double)(rep->nstat ? rep->nstat : 1);
	size_t n_arm = rep->nrep[ARM_OLD] < rep->nrep[ARM_NEW] ? rep->nrep[ARM_OLD] : rep->nrep[ARM_NEW];

	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		double mean, sd;
		size_t n;
		if (!row->st.has_p)
			continue;
		moments(&row->st, &mean, &sd, &n);
		jv o = jv_object();
		o = jv_object_set(o, jv_string("scenario"), jv_string(rep->scenario));
		o = jv_object_set(o, jv_string("name"), jv_string(row->m->name));
		o = jv_object_set(o, jv_string("n"), jv_number((double)n));
		o = jv_object_set(o, jv_string("mean"), jv_number(mean));
		if (mean > 0) {
			double cv = sd / mean;
			o = jv_object_set(o, jv_string("cv"), jv_number(cv));
			double floor = n_arm >= 2 && n_arm <= MAX_REPEATS ? noise_floor(cv, n_arm, alpha) : -1;
			o = json_set_num(o, "noise_floor_pct", floor >= 0, floor * 100);
			jv need = jv_object();
			const double ds[] = { 0.1, 0.2, 0.5 };
			const char *keys[] = { "10", "20", "50" };
			for (int k = 0; k < 3; k++) {
				size_t r = repeats_needed(cv, ds[k], alpha);
				need = jv_object_set(need, jv_string(keys[k]), r ? jv_number((double)r) : jv_null());
			}
			o = jv_object_set(o, jv_string("repeats_needed"), need);
			double thr;
			if (threshold_pct(row->r, &thr)) {
				o = jv_object_set(o, jv_string("threshold_pct"), jv_number(thr));
				o = jv_object_set(o, jv_string("threshold_below_noise"),
						  jv_bool(floor < 0 || thr < floor * 100));
			}
		}
		rows = jv_array_append(rows, o);
	}
	return rows;
}

/* ---- the calibration file, read back by compare to warn ---- */

int calibration_load(const char *path, jv *out)
{
	int rc = json_load(path, out);

	if (rc == 1)
		return errorf("'%s': no such calibration file (make calibrate writes one)", path);
	if (rc < 0)
		return -1;
	jv rows = json_get(*out, "rows");
	int ok = jv_get_kind(rows) == JV_KIND_ARRAY;
	jv_free(rows);
	if (!ok) {
		jv_free(*out);
		return errorf("'%s': a calibration file has a \"rows\" array", path);
	}
	return 0;
}

int calibration_warning(jv cal, const struct report *rep, const struct row *row, char *buf, size_t size)
{
	jv rows = json_get(cal, "rows");
	int found = 0;

	double thr;
	if (jv_get_kind(rows) != JV_KIND_ARRAY || !threshold_pct(row->r, &thr)) {
		jv_free(rows);
		return 0;
	}
	jv_array_foreach(rows, i, r) {
		const char *s = json_str(r, "scenario"), *name = json_str(r, "name");
		double floor, n = 0;
		jv below = json_get(r, "threshold_below_noise");
		if (!found && s && name && strcmp(s, rep->scenario) == 0 && strcmp(name, row->m->name) == 0 &&
		    jv_get_kind(below) == JV_KIND_TRUE) {
			json_num(r, "n", &n);
			if (json_num(r, "noise_floor_pct", &floor) == 0)
				snprintf(buf, size, "threshold %g%% is below the noise floor %.0f%% that an A/A run "
					 "calibrated (%.0f repeats per arm): a change that small cannot be told from noise",
					 thr, floor, n / 2);
			else
				snprintf(buf, size, "threshold %g%%: even a five-fold change could not be told from noise "
					 "in the A/A calibration (%.0f repeats per arm)", thr, n / 2);
			found = 1;
		}
		jv_free(below);
		jv_free(r);
	}
	jv_free(rows);
	return found;
}

/* ---- rendering ---- */

static void cell_num(struct sbuf *out, jv o, const char *key, const char *fmt, int width)
{
	double v;
	char buf[32];

	if (json_num(o, key, &v) == 0)
		snprintf(buf, sizeof(buf), fmt, v);
	else
		snprintf(buf, sizeof(buf), ">%d", MAX_REPEATS);
	sbuf_addf(out, " %*s", width, buf);
}

void render_calibration(struct sbuf *out, enum format fmt, jv rows, double alpha, time_t when)
{
	char ts[64];
	struct tm tm;

	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (fmt == FMT_JSON) {
		jv o = jv_object();
		o = jv_object_set(o, jv_string("generated"), jv_string(ts));
		o = jv_object_set(o, jv_string("alpha"), jv_number(alpha));
		o = jv_object_set(o, jv_string("power"), jv_number(POWER));
		o = jv_object_set(o, jv_string("rows"), jv_copy(rows));
		char *text = json_dump(o, 1);
		sbuf_add(out, text);
		free(text);
		jv_free(o);
		return;
	}
	sbuf_addf(out, "A/A calibration (%s): noise per row; repeats per arm that detect a change with %.0f%% power\n"
		       "at alpha %g (Holm's strictest step); '!' marks a threshold below the noise floor.\n\n",
		  ts, POWER * 100, alpha);
	sbuf_addf(out, "%-8s %-28s %4s %8s %11s %10s %5s %5s %5s\n", "Scenario", "Row", "n", "CV", "Floor", "Threshold",
		  "10%", "20%", "50%");
	jv_array_foreach(rows, i, r) {
		double cv, floor, thr;
		char fl[32], th[32];
		const char *s = json_str(r, "scenario"), *name = json_str(r, "name");
		jv below = json_get(r, "threshold_below_noise");
		if (json_num(r, "noise_floor_pct", &floor) == 0)
			snprintf(fl, sizeof(fl), "%.0f%%", floor);
		else
			snprintf(fl, sizeof(fl), ">400%%");
		if (json_num(r, "threshold_pct", &thr) == 0)
			snprintf(th, sizeof(th), "%g%%%s", thr, jv_get_kind(below) == JV_KIND_TRUE ? " !" : "");
		else
			snprintf(th, sizeof(th), "-");
		sbuf_addf(out, "%-8s %-28s", s ? s : "?", name ? name : "?");
		cell_num(out, r, "n", "%.0f", 4);
		if (json_num(r, "cv", &cv) == 0)
			sbuf_addf(out, " %7.1f%%", cv * 100);
		else
			sbuf_addf(out, " %8s", "n/a");
		sbuf_addf(out, " %11s %10s", fl, th);
		jv need = json_get(r, "repeats_needed");
		cell_num(out, need, "10", "%.0f", 5);
		cell_num(out, need, "20", "%.0f", 5);
		cell_num(out, need, "50", "%.0f", 5);
		sbuf_add(out, "\n");
		jv_free(need);
		jv_free(below);
		jv_free(r);
	}
}
