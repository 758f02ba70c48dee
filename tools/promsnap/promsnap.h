/* promsnap's parts: options, waiting on Prometheus, taking the snapshot. */
#ifndef PROMSNAP_H
#define PROMSNAP_H

#include "promapi.h"
#include "queries.h"

struct opts {
	int wait_verb;
	const char *url;
	const char *job;
	const char *out;
	char *queries;
	double start, end;
	int has_start, has_end;
	double step;		/* --step: the counters' subquery resolution, seconds */
	int has_step;
	const char *series_dir;	/* --series: where the catalogue's time series go, or NULL */
	double series_step;	/* --series-step: seconds between their points */
	int has_series_step;
	int has_fresh;
	double fresh;
	double timeout_s;	/* how long a wait may take */
	double query_timeout_s;	/* each HTTP request */
	int tries;
};

/*
 * Poll expr (at Prometheus's now) until it returns a series. Returns 0, or -1 after
 * printing one line: a timeout (naming `what` and the last thing seen: an error, or
 * `pending` for an empty answer) or an answer that waiting cannot change.
 */
int wait_for(const struct prom_api *api, const char *expr, double timeout_s, const char *what,
	     const char *pending);
/* The `wait` verb: every target of the job up (and fresh); returns the exit status. */
int wait_job(const struct opts *o, const struct prom_api *api);
/* Wait for a sample of the job newer than o->fresh; 0 or -1 after printing why. */
int wait_fresh(const struct opts *o, const struct prom_api *api);
/*
 * Run every query (and, with o->series_dir, every time series of the catalogue) and
 * write its file; returns the exit status.
 */
int snapshot(const struct opts *o, const struct query_cat *cat, const struct prom_api *api);

#endif
