/* The query catalogue of promsnap: which PromQL query fills which snapshot file. */
#ifndef PROMSNAP_QUERIES_H
#define PROMSNAP_QUERIES_H

#include <stddef.h>
#include "sbuf.h"

struct arena;

struct query_def {
	const char *name;	/* for messages */
	const char *file;	/* plain file name in the snapshot folder */
	const char *query;	/* PromQL with {{job}} {{window}} {{start}} {{end}} {{step}} ... */
};

struct query_cat {
	struct arena *arena;
	struct query_def *q;	/* instant queries, evaluated at T1 */
	size_t n;
	struct query_def *s;	/* time series: range queries over [T0, T1] (`series:`) */
	size_t ns;
	int uses_step;		/* some query has {{step}} */
};

/* What the parameters of a template stand for. */
struct query_params {
	const char *job;
	double start, end;	/* unix seconds, start < end */
	double step;		/* the finest gap between samples the counters must see */
	double series_step;	/* seconds between the points of a time series */
};

/* Load and check a catalogue; 0, or -1 after printing "file:line:col: why". */
int queries_load(const char *path, struct query_cat *c);
void queries_free(struct query_cat *c);
/* $LOADTEST_QUERIES, else tools/promsnap/queries.yaml above the executable. malloc'd. */
char *queries_default_path(void);
/*
 * {{step}} in milliseconds: p->step, shortened if need be so that T0 and T1 are both
 * multiples of it. A subquery's steps fall on multiples of its step since the epoch, so
 * only then does a subquery over the window start at T0 and end at T1.
 */
long long queries_grid_ms(const struct query_params *p);
/* {{rate}} in milliseconds: the range of rate() in a time series, four series steps. */
long long queries_rate_ms(const struct query_params *p);
/* A template with its parameters filled in; malloc'd. */
char *queries_expand(const char *tmpl, const struct query_params *p);
/* Append s escaped for the inside of a double-quoted PromQL string. */
void promql_quote(struct sbuf *sb, const char *s);

#endif
