/* Waiting on a condition in Prometheus: poll at a short interval until a deadline. */
#include "promsnap.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Short next to any scrape interval, long next to a local query. */
#define POLL_S 0.25
/* A Prometheus that refuses every connection this long has stopped (killed, or gone with its
   cluster): waiting out the whole timeout would only delay the arm's failure. */
#define DOWN_S 5.0

static int has_series(jv doc)
{
	jv data = json_get(doc, "data");
	jv result = json_get(data, "result");
	int yes = jv_get_kind(result) == JV_KIND_ARRAY && jv_array_length(jv_copy(result)) > 0;

	jv_free(result);
	jv_free(data);
	return yes;
}

int wait_for(const struct prom_api *api, const char *expr, double timeout_s, const char *what,
	     const char *pending)
{
	double t0 = mono_now(), deadline = t0 + timeout_s, down_since = -1;
	char last[700] = "no answer yet";

	infof("waiting up to %g s for %s: %s", timeout_s, what, expr);
	for (;;) {
		double left = deadline - mono_now();
		struct prom_api once = *api;
		struct prom_answer a;

		if (left <= 0)
			break;
		/* The deadline bounds every request too: a hung server cannot stretch it. */
		long left_ms = (long)ceil(left * 1000);
		once.tries = 1;
		if (once.timeout_ms <= 0 || once.timeout_ms > left_ms)
			once.timeout_ms = left_ms;
		if (once.connect_timeout_ms > left_ms)
			once.connect_timeout_ms = left_ms;
		double asked = mono_now();
		int ok = prom_query(&once, expr, NULL, &a) == 0;
		/* Refused since down_since (a timeout is not counted: the server may be busy). */
		if (ok || a.outcome != PROM_UNREACHABLE || strcmp(a.error_type, "unavailable") != 0)
			down_since = -1;
		else if (down_since < 0)
			down_since = asked;
		if (ok) {
			if (has_series(a.doc)) {
				prom_answer_free(&a);
				infof("done waiting for %s (%.2f s)", what, mono_now() - t0);
				return 0;
			}
			snprintf(last, sizeof(last), "%s", pending);
		} else if (a.permanent && a.outcome != PROM_UNREACHABLE) {
			errorf("cannot wait for %s: %s: %s", what, a.error_type, a.error);
			prom_answer_free(&a);
			return -1;
		} else {
			snprintf(last, sizeof(last), "%s: %s", a.error_type, a.error);
			if (down_since >= 0 && mono_now() - down_since >= DOWN_S) {
				prom_answer_free(&a);
				return errorf("cannot wait for %s: Prometheus at '%s' has refused every connection for %.0f s "
					      "(last: %s)", what, api->url, mono_now() - down_since, last);
			}
		}
		prom_answer_free(&a);
		left = deadline - mono_now();
		/* Rounded up to whole milliseconds: a remainder under one is slept, not skipped. */
		sleep_ms((long)ceil((left < POLL_S ? left : POLL_S) * 1000));
	}
	return errorf("timed out after %g s waiting for %s (last: %s)", timeout_s, what, last);
}

static char *job_selector(const char *metric, const char *job)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_addf(&sb, "%s{job=\"", metric);
	promql_quote(&sb, job);
	sbuf_add(&sb, "\"}");
	return sb.buf;
}

int wait_job(const struct opts *o, const struct prom_api *api)
{
	char *up = job_selector("up", o->job);
	struct sbuf expr = SBUF_INIT, what = SBUF_INIT;
	char t[40];
	int rc;

	/* min(): every target of the job, not just one of several. */
	sbuf_addf(&expr, "min(%s) == 1", up);
	sbuf_addf(&what, "every target of job '%s' to be up", o->job);
	if (o->has_fresh) {
		prom_format_time(o->fresh, t, sizeof(t));
		sbuf_addf(&expr, " and min(timestamp(%s)) > %s", up, t);
		sbuf_addf(&what, " with a sample newer than %s", t);
	}
	rc = wait_for(api, sbuf_str(&expr), o->timeout_s, sbuf_str(&what),
		      o->has_fresh ? "no target, a target down, or no sample that new" :
		      "no target, or a target down") == 0 ? EXIT_PASS : EXIT_FAILED;
	sbuf_free(&expr);
	sbuf_free(&what);
	free(up);
	return rc;
}

int wait_fresh(const struct opts *o, const struct prom_api *api)
{
	char *up = job_selector("up", o->job);
	struct sbuf expr = SBUF_INIT, what = SBUF_INIT;
	char t[40];
	int rc;

	/*
	 * Prometheus stores a scrape's samples and its `up` sample in one commit at the
	 * scrape's time: an `up` newer than T means every sample up to T is in.
	 */
	prom_format_time(o->fresh, t, sizeof(t));
	sbuf_addf(&expr, "min(timestamp(%s)) > %s", up, t);
	sbuf_addf(&what, "a sample of job '%s' newer than %s", o->job, t);
	rc = wait_for(api, sbuf_str(&expr), o->timeout_s, sbuf_str(&what), "no sample that new");
	sbuf_free(&expr);
	sbuf_free(&what);
	free(up);
	return rc;
}
