/* The arm's results: run.json (what happened and what the observer saw) and expected.json. */
#include "driver.h"
#include "jsonf.h"
#include "msg.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

double run_unix(const struct run *r, double mono)
{
	return r->unix0 + (mono - r->mono0);
}

void run_count_error(struct run *r, const char *kind)
{
	for (size_t i = 0; i < r->nerrs; i++) {
		if (strcmp(r->errs[i].kind, kind) == 0) {
			r->errs[i].n++;
			return;
		}
	}
	/* The last slot is kept for "other": errors beyond the table are counted there. */
	if (r->nerrs < MAX_ERR_KINDS - 1) {
		snprintf(r->errs[r->nerrs].kind, sizeof(r->errs[r->nerrs].kind), "%s", kind);
		r->errs[r->nerrs++].n = 1;
		return;
	}
	if (r->nerrs == MAX_ERR_KINDS - 1) {
		snprintf(r->errs[r->nerrs].kind, sizeof(r->errs[r->nerrs].kind), "other");
		r->errs[r->nerrs++].n = 0;
	}
	r->errs[MAX_ERR_KINDS - 1].n++;
}

/* Percentiles of samples kept in order of arrival (dist_compute sorts a copy). */
static void dist_of(const double *v, size_t n, struct dist *d)
{
	double *copy = malloc((n + 1) * sizeof(double));

	if (copy == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	if (n)
		memcpy(copy, v, n * sizeof(double));
	dist_compute(copy, n, d);
	free(copy);
}

static double intended_rate(const struct scenario *s)
{
	double rate = 0;

	for (size_t i = 0; i < s->nupdates; i++)
		rate += (double)s->updates[i].writers / s->updates[i].every;
	return rate;
}

static jv problem(jv list, const char *fmt, ...) LT_PRINTF(2, 3);

static jv problem(jv list, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return jv_array_append(list, jv_string(buf));
}

/* The reference's expected fields, exact where the scenario allows; absent otherwise. */
static jv expected_json(const struct run *r, const struct observed *ob)
{
	const struct scenario *s = r->s;
	jv e = jv_object();

	e = jv_object_set(e, jv_string("description"), jv_string(s->description));
	if (s->exact) {
		e = jv_object_set(e, jv_string("action_total"), jv_number((double)ob->expected));
		e = jv_object_set(e, jv_string("reload_executed_total"), jv_number((double)ob->expected));
		e = jv_object_set(e, jv_string("workloads_matched_total"), jv_number((double)ob->expected));
		if (r->g.scanned_exact)
			e = jv_object_set(e, jv_string("workloads_scanned_total"),
					  jv_number((double)r->g.scanned_expected));
		e = jv_object_set(e, jv_string("skipped_total"), jv_number((double)r->g.skipped_expected));
	}
	return e;
}

int run_write_results(const struct run *r, const char *out, const char *expected_out, int *ok)
{
	const struct scenario *s = r->s;
	struct observed ob;
	struct dist late, lat, roll;
	jv o = jv_object(), upd = jv_object(), errs = jv_object(), obs = jv_object(), checks = jv_object();
	jv problems = jv_array();
	int rc;

	graph_summary(&r->g, &ob);
	dist_of(r->lateness, r->nlate, &late);
	dist_of(r->latency, r->nlat, &lat);
	dist_of(r->g.lat, r->g.nlat, &roll);

	o = jv_object_set(o, jv_string("scenario"), jv_string(s->id));
	o = jv_object_set(o, jv_string("arm"), jv_string(r->o->arm));
	o = jv_object_set(o, jv_string("description"), jv_string(s->description));
	o = jv_object_set(o, jv_string("seed"), jv_number((double)r->o->seed));
	o = jv_object_set(o, jv_string("duration_seconds"), jv_number(r->o->duration));
	jv args = jv_array();
	for (size_t i = 0; i < s->nargs; i++)
		args = jv_array_append(args, jv_string(s->controller_args[i]));
	o = jv_object_set(o, jv_string("controller_args"), args);
	o = jv_object_set(o, jv_string("start"), jv_number(floor(run_unix(r, r->t_start))));
	o = jv_object_set(o, jv_string("end"), jv_number(ceil(run_unix(r, r->t_end))));
	jv phase = jv_object();
	if (r->t_phase_start > 0) {
		phase = jv_object_set(phase, jv_string("start"), jv_number(run_unix(r, r->t_phase_start)));
		phase = jv_object_set(phase, jv_string("end"), jv_number(run_unix(r, r->t_phase_end)));
		phase = jv_object_set(phase, jv_string("seconds"), jv_number(r->t_phase_end - r->t_phase_start));
	}
	o = jv_object_set(o, jv_string("update_phase"), phase);
	o = json_set_num(o, "setup_seconds", r->t_ready > 0, r->t_ready - r->t_start);

	for (size_t i = 0; i < r->nerrs; i++)
		errs = jv_object_set(errs, jv_string(r->errs[i].kind), jv_number((double)r->errs[i].n));
	double achieved = r->t_phase_start > 0 && r->phase_len > 0 ? (double)r->succeeded / r->phase_len : 0;
	upd = jv_object_set(upd, jv_string("intended"), jv_number((double)r->intended));
	upd = jv_object_set(upd, jv_string("sent"), jv_number((double)r->sent));
	upd = jv_object_set(upd, jv_string("succeeded"), jv_number((double)r->succeeded));
	upd = jv_object_set(upd, jv_string("failed"), jv_number((double)r->failed));
	upd = jv_object_set(upd, jv_string("failed_by_kind"), errs);
	upd = jv_object_set(upd, jv_string("conflicts_retried"), jv_number((double)r->conflicts));
	upd = jv_object_set(upd, jv_string("noop"), jv_number((double)r->noop_ok));
	/* The scheduled ticks over the phase as it ran, so both rates share one denominator. */
	upd = jv_object_set(upd, jv_string("rate_intended"),
			    jv_number(r->phase_len > 0 ? (double)r->intended / r->phase_len : intended_rate(s)));
	upd = json_set_num(upd, "rate_achieved", r->t_phase_start > 0, achieved);
	upd = jv_object_set(upd, jv_string("lateness_seconds"), dist_json(&late));
	upd = jv_object_set(upd, jv_string("latency_seconds"), dist_json(&lat));
	o = jv_object_set(o, jv_string("updates"), upd);
	if (s->churn.set) {
		jv c = jv_object();
		c = jv_object_set(c, jv_string("created"), jv_number((double)r->churn_created));
		c = jv_object_set(c, jv_string("deleted"), jv_number((double)r->churn_deleted));
		c = jv_object_set(c, jv_string("failed"), jv_number((double)r->churn_failed));
		o = jv_object_set(o, jv_string("churn"), c);
	}

	jv exp = expected_json(r, &ob);
	o = jv_object_set(o, jv_string("expected"), jv_copy(exp));

	obs = jv_object_set(obs, jv_string("rolls"), jv_number((double)ob.rolls));
	if (s->exact) {
		obs = jv_object_set(obs, jv_string("expected_rolls"), jv_number((double)ob.expected));
		obs = jv_object_set(obs, jv_string("missed"), jv_number((double)ob.missed));
		obs = jv_object_set(obs, jv_string("duplicate"), jv_number((double)ob.duplicate));
	}
	obs = jv_object_set(obs, jv_string("spurious"), jv_number((double)ob.spurious));
	obs = jv_object_set(obs, jv_string("converged"), jv_bool(ob.converged));
	obs = jv_object_set(obs, jv_string("workloads"), jv_number((double)ob.workloads));
	obs = jv_object_set(obs, jv_string("converged_workloads"), jv_number((double)ob.converged_workloads));
	obs = jv_object_set(obs, jv_string("unconverged_workloads"),
			    jv_number((double)(ob.workloads - ob.converged_workloads)));
	if (s->expect_annotation)
		obs = jv_object_set(obs, jv_string("annotation_missing"), jv_number((double)ob.annotation_missing));
	obs = jv_object_set(obs, jv_string("latency_seconds"), dist_json(&roll));
	const char *names[20];
	size_t nu = graph_unconverged(&r->g, names, 20);
	jv list = jv_array();
	for (size_t i = 0; i < nu; i++)
		list = jv_array_append(list, jv_string(names[i]));
	obs = jv_object_set(obs, jv_string("unconverged_examples"), list);
	o = jv_object_set(o, jv_string("observed"), obs);

	/* Did the run do what the scenario claims? */
	checks = jv_object_set(checks, jv_string("setup_ready"), jv_bool(r->setup_ready));
	if (!r->setup_ready)
		problems = problem(problems, "workloads were not all ready within %.0f s", r->o->setup_timeout);
	if (r->setup_failed)
		problems = problem(problems, "%ld objects could not be created", r->setup_failed);
	int rate_ok = r->intended == 0 || (double)r->succeeded >= 0.95 * (double)r->intended;
	checks = jv_object_set(checks, jv_string("rate_reached"), jv_bool(rate_ok));
	if (!rate_ok)
		problems = problem(problems, "%ld of %ld intended updates succeeded (%.1f/s of %.1f/s)",
				   r->succeeded, r->intended, achieved, intended_rate(s));
	if (s->restart_at >= 0) {
		int restarted = r->restart_done && !r->restart_spawn_error && WIFEXITED(r->restart_status) &&
				WEXITSTATUS(r->restart_status) == 0;
		checks = jv_object_set(checks, jv_string("restart_happened"), jv_bool(restarted));
		if (r->restart_done)
			o = jv_object_set(o, jv_string("restart"),
					  jv_object_set(jv_object_set(jv_object(), jv_string("at"),
								      jv_number(run_unix(r, r->restart_at))),
							jv_string("finished"), jv_number(run_unix(r, r->restart_finished))));
		if (!restarted)
			problems = problem(problems, "%s", r->o->restart_cmd == NULL ?
					   "the scenario restarts the controller but no restart command was given" :
					   !r->restart_done ? "the restart time was never reached" :
					   "the restart command failed");
	}
	if (s->expect_fewer) {
		int fewer = ob.rolls < r->succeeded;
		checks = jv_object_set(checks, jv_string("fewer_rolls_than_updates"), jv_bool(fewer));
	}
	checks = jv_object_set(checks, jv_string("observer_complete"), jv_bool(!r->watch_lost));
	if (r->watch_lost)
		problems = problem(problems, "the observer lost its watch and could not resume it");
	if (r->interrupted)
		problems = problem(problems, "interrupted");
	o = jv_object_set(o, jv_string("checks"), checks);
	*ok = jv_array_length(jv_copy(problems)) == 0;
	o = jv_object_set(o, jv_string("ok"), jv_bool(*ok));
	o = jv_object_set(o, jv_string("incomplete"), jv_bool(r->interrupted));
	o = jv_object_set(o, jv_string("problems"), problems);

	/* The run's measurements first: a bad expected.json path must not lose them. */
	rc = json_write(out, o);
	if (json_write(expected_out, exp) < 0)
		rc = -1;
	jv_free(exp);
	jv_free(o);
	return rc;
}
