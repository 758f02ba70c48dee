/* The arm's results: run.json (what happened and what the observer saw) and expected.json. */
#include "driver.h"
#include "fsio.h"
#include "sbuf.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"
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
	double *copy = xmalloc((n + 1) * sizeof(double));

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

/*
 * The run's self-checks: did it do what its scenario says? Each check says what was
 * measured (value) and what the scenario demands (required), both short; a failing one
 * is also a problem, a sentence, and makes the run not ok (exit status 1).
 */
struct checks {
	jv obj;
	jv problems;
};

static void check(struct checks *c, const char *name, int ok, const char *what_failed, const char *required,
		  const char *fmt, ...) LT_PRINTF(6, 7);

static void check(struct checks *c, const char *name, int ok, const char *what_failed, const char *required,
		  const char *fmt, ...)
{
	char value[121], req[121], sentence[400];	/* at most 120 characters each */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	snprintf(req, sizeof(req), "%s", required);
	jv one = jv_object_set(jv_object(), jv_string("ok"), jv_bool(ok));
	one = jv_object_set(one, jv_string("value"), jv_string(value));
	one = jv_object_set(one, jv_string("required"), jv_string(req));
	c->obj = jv_object_set(c->obj, jv_string(name), one);
	if (!ok) {
		snprintf(sentence, sizeof(sentence), "%s: %s (required: %s)", what_failed, value, req);
		c->problems = jv_array_append(c->problems, jv_string(sentence));
	}
}

/* Unix seconds, to the millisecond, of a monotonic time; null when it never happened. */
static jv when(const struct run *r, double mono)
{
	if (mono < 0)
		return jv_null();
	return jv_number(round(run_unix(r, mono) * 1000) / 1000);
}

struct near {
	size_t cfg, ver;
	double dist;
};

static int by_dist(const void *a, const void *b)
{
	const struct near *x = a, *y = b;
	return x->dist < y->dist ? -1 : x->dist > y->dist;
}

static int by_sent(const void *a, const void *b, void *g_)
{
	const struct graph *g = g_;
	const struct near *x = a, *y = b;
	double sx = g->cfg[x->cfg].ver[x->ver].sent, sy = g->cfg[y->cfg].ver[y->ver].sent;
	return sx < sy ? -1 : sx > sy;
}

/*
 * A roll that answered no update, with what explains it or not: the workload's creation,
 * the version the template recorded, and the changes of the objects it references sent
 * around then (the 8 nearest to the roll, from 5 s before its creation or the roll).
 */
static jv roll_example(const struct run *r, const struct roll_note *n)
{
	const struct graph *g = &r->g;
	const struct workload *w = &g->wl[n->w];
	static const char *const kinds[] = { "no version recognised", "a version it did not owe",
					     "nothing new" };
	jv e = jv_object_set(jv_object(), jv_string("workload"), jv_string(w->name));
	char buf[200];

	e = jv_object_set(e, jv_string("created"), when(r, w->created_sent));
	e = jv_object_set(e, jv_string("creation_acknowledged"), when(r, w->created_ack));
	e = jv_object_set(e, jv_string("deleted"), jv_bool(w->deleted));
	e = jv_object_set(e, jv_string("roll"), when(r, n->at));
	e = jv_object_set(e, jv_string("recorded"), jv_string(kinds[n->kind]));
	if (n->cfg >= 0) {
		const struct version *v = &g->cfg[n->cfg].ver[n->ver];
		if (v->seq)
			snprintf(buf, sizeof(buf), "%s as written by update %lu", g->cfg[n->cfg].name, v->seq);
		else
			snprintf(buf, sizeof(buf), "%s as created", g->cfg[n->cfg].name);
		e = jv_object_set(e, jv_string("version"), jv_string(buf));
	}
	double from = (w->created_sent >= 0 && w->created_sent < n->at ? w->created_sent : n->at) - 5;
	struct near *list = NULL;
	size_t cnt = 0, cap = 0;
	for (size_t k = 0; k < w->nrefs; k++) {
		const struct cfgobj *c = &g->cfg[w->refs[k]];
		for (size_t v = 0; v < c->nver; v++) {
			if (c->ver[v].seq == 0 || c->ver[v].sent < from || c->ver[v].sent > n->at + 1)
				continue;
			if (cnt == cap) {
				cap = cap ? cap * 2 : 8;
				list = xrealloc(list, cap * sizeof(*list));
			}
			list[cnt++] = (struct near){ w->refs[k], v, fabs(c->ver[v].sent - n->at) };
		}
	}
	if (cnt > 1)
		qsort(list, cnt, sizeof(*list), by_dist);
	if (cnt > 8)
		cnt = 8;
	if (cnt > 1)
		qsort_r(list, cnt, sizeof(*list), by_sent, (void *)g);
	jv changes = jv_array();
	for (size_t i = 0; i < cnt; i++) {
		const struct version *v = &g->cfg[list[i].cfg].ver[list[i].ver];
		static const char *const states[] = { "unanswered", "ok", "failed" };
		jv ch = jv_object_set(jv_object(), jv_string("object"), jv_string(g->cfg[list[i].cfg].name));
		ch = jv_object_set(ch, jv_string("update"), jv_number((double)v->seq));
		ch = jv_object_set(ch, jv_string("sent"), when(r, v->sent));
		ch = jv_object_set(ch, jv_string("write"), jv_string(states[v->state]));
		changes = jv_array_append(changes, ch);
	}
	free(list);
	return jv_object_set(e, jv_string("changes"), changes);
}

static jv roll_examples(const struct run *r, int allowed, size_t max)
{
	struct roll_note *notes = xcalloc(max, sizeof(*notes));
	jv list = jv_array();

	size_t n = graph_roll_notes(&r->g, allowed, notes, max);
	for (size_t i = 0; i < n; i++)
		list = jv_array_append(list, roll_example(r, &notes[i]));
	free(notes);
	return list;
}

/* The reference's expected fields, exact where the scenario allows; absent otherwise. */
jv scenario_expected_json(const struct scenario *s, const struct graph *g, long expected_rolls)
{
	jv e = jv_object();

	e = jv_object_set(e, jv_string("description"), jv_string(s->description));
	if (s->exact) {
		e = jv_object_set(e, jv_string("action_total"), jv_number((double)expected_rolls));
		e = jv_object_set(e, jv_string("reload_executed_total"), jv_number((double)expected_rolls));
		e = jv_object_set(e, jv_string("workloads_matched_total"), jv_number((double)expected_rolls));
		if (g->scanned_exact)
			e = jv_object_set(e, jv_string("workloads_scanned_total"), jv_number((double)g->scanned_expected));
		e = jv_object_set(e, jv_string("skipped_total"), jv_number((double)g->skipped_expected));
	}
	return e;
}

static jv expected_json(const struct run *r, const struct observed *ob)
{
	return scenario_expected_json(r->s, &r->g, ob->expected);
}

jv scenario_edits_json(const struct scenario *s, jv o)
{
	o = jv_object_set(o, jv_string("scale"), jv_number((double)s->scale));
	if (s->nsets) {
		jv set = jv_object();
		for (size_t i = 0; i < s->nsets; i++)
			set = jv_object_set(set, jv_string(s->sets[i].key), jv_string(s->sets[i].value));
		o = jv_object_set(o, jv_string("set"), set);
	}
	return o;
}

/* What was run, when, and where the time went. */
static jv run_header_json(const struct run *r)
{
	const struct scenario *s = r->s;
	jv o = jv_object();

	o = jv_object_set(o, jv_string("scenario"), jv_string(s->id));
	o = jv_object_set(o, jv_string("arm"), jv_string(r->o->arm));
	o = jv_object_set(o, jv_string("description"), jv_string(s->description));
	o = jv_object_set(o, jv_string("seed"), jv_number((double)r->o->seed));
	o = jv_object_set(o, jv_string("duration_seconds"), jv_number(r->o->duration));
	o = scenario_edits_json(s, o);
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
	/* Where the run's time went, stage by stage (a stage not reached is absent). */
	jv stages = jv_object();
	stages = json_set_num(stages, "cleanup", r->t_cleaned > 0, r->t_cleaned - r->t_start);
	stages = json_set_num(stages, "setup", r->t_ready > 0 && r->t_cleaned > 0, r->t_ready - r->t_cleaned);
	stages = json_set_num(stages, "update", r->t_phase_start > 0, r->t_phase_end - r->t_phase_start);
	stages = json_set_num(stages, "settle", r->t_settled > 0, r->t_settled - r->t_phase_end);
	stages = json_set_num(stages, "total", 1, r->t_end - r->t_start);
	return jv_object_set(o, jv_string("stages_seconds"), stages);
}

/* The rates both the updates and their check use: per second of the phase as it ran. */
struct rates {
	double achieved, intended;
};

static struct rates run_rates(const struct run *r)
{
	return (struct rates){
		.achieved = r->t_phase_start > 0 && r->phase_len > 0 ? (double)r->succeeded / r->phase_len : 0,
		.intended = r->phase_len > 0 ? (double)r->intended / r->phase_len : intended_rate(r->s),
	};
}

/* The window of updates in flight: its bound, and where it went. */
static jv window_json(const struct run *r)
{
	jv win = jv_object_set(jv_object(), jv_string("max"), jv_number((double)r->o->max_inflight));

	win = jv_object_set(win, jv_string("adaptive"), jv_bool(!r->o->fixed_inflight));
	win = jv_object_set(win, jv_string("lowest"), jv_number(floor(r->win.w_min)));
	win = jv_object_set(win, jv_string("highest"), jv_number(floor(r->win.w_max)));
	win = jv_object_set(win, jv_string("final"), jv_number(floor(r->win.w)));
	win = jv_object_set(win, jv_string("cuts_latency"), jv_number((double)r->win.cuts_latency));
	return jv_object_set(win, jv_string("cuts_overload"), jv_number((double)r->win.cuts_error));
}

static jv updates_json(const struct run *r, struct rates rt)
{
	struct dist late, lat;
	jv upd = jv_object(), errs = jv_object();

	dist_of(r->lateness, r->nlate, &late);
	dist_of(r->latency, r->nlat, &lat);
	for (size_t i = 0; i < r->nerrs; i++)
		errs = jv_object_set(errs, jv_string(r->errs[i].kind), jv_number((double)r->errs[i].n));
	upd = jv_object_set(upd, jv_string("intended"), jv_number((double)r->intended));
	upd = jv_object_set(upd, jv_string("sent"), jv_number((double)r->sent));
	upd = jv_object_set(upd, jv_string("succeeded"), jv_number((double)r->succeeded));
	upd = jv_object_set(upd, jv_string("failed"), jv_number((double)r->failed));
	upd = jv_object_set(upd, jv_string("failed_by_kind"), errs);
	upd = jv_object_set(upd, jv_string("conflicts_retried"), jv_number((double)r->conflicts));
	upd = jv_object_set(upd, jv_string("noop"), jv_number((double)r->noop_ok));
	if (r->s->restart_at >= 0)
		upd = jv_object_set(upd, jv_string("sent_while_down"), jv_number((double)r->sent_while_down));
	/* The scheduled ticks over the phase as it ran, so both rates share one denominator. */
	upd = jv_object_set(upd, jv_string("rate_intended"), jv_number(rt.intended));
	upd = json_set_num(upd, "rate_achieved", r->t_phase_start > 0, rt.achieved);
	if (r->t_phase_start > 0) {
		upd = jv_object_set(upd, jv_string("not_sent"), jv_number((double)r->not_sent));
		upd = jv_object_set(upd, jv_string("inflight_window"), window_json(r));
		upd = json_set_num(upd, "held_back_seconds", 1, r->backlog_seconds);
		/* Measured only when the driver offered more than the server answered, long enough. */
		upd = json_set_num(upd, "saturated_at_per_second", r->saturated && r->backlog_seconds > 0,
				   (double)r->backlog_done / r->backlog_seconds);
	}
	upd = jv_object_set(upd, jv_string("lateness_seconds"), dist_json(&late));
	return jv_object_set(upd, jv_string("latency_seconds"), dist_json(&lat));
}

static jv set_count(jv o, const char *key, long n)
{
	return jv_object_set(o, jv_string(key), jv_number((double)n));
}

/*
 * Every update a workload owed is answered by its own roll, folded into a later
 * rollout (the pods restarted after it and read its data), lost while the controller
 * was down (when the scenario does not demand catch-up), still pending when the
 * observer stopped while the controller was still rolling (behind), or missed.
 */
static jv observed_json(const struct run *r, const struct observed *ob)
{
	const struct scenario *s = r->s;
	struct dist roll;
	size_t nroll;
	double *rolls_lat = graph_latencies(&r->g, &nroll);
	jv obs = jv_object();

	dist_of(rolls_lat, nroll, &roll);
	free(rolls_lat);
	obs = set_count(obs, "rolls", ob->rolls);
	obs = set_count(obs, "rollouts", ob->rollouts);
	if (s->exact)
		obs = set_count(obs, "expected_rolls", ob->expected);
	obs = set_count(obs, "own_rolls", ob->own);
	obs = set_count(obs, "folded", ob->folded);
	obs = set_count(obs, "missed", ob->missed);
	if (s->restart_at >= 0)
		obs = set_count(obs, "lost_while_down", ob->lost_while_down);
	obs = set_count(obs, "behind", ob->behind);
	if (s->exact)
		obs = set_count(obs, "duplicate", ob->duplicate);
	obs = set_count(obs, "spurious", ob->spurious);
	obs = set_count(obs, "allowed", ob->allowed);
	obs = set_count(obs, "recognised_rolls", ob->recognised);
	obs = jv_object_set(obs, jv_string("settled"), jv_bool(!r->g.unsettled));
	obs = jv_object_set(obs, jv_string("slowest_own_roll_seconds"), jv_number(r->g.lat_max));
	obs = jv_object_set(obs, jv_string("converged"), jv_bool(ob->converged));
	obs = set_count(obs, "workloads", ob->workloads);
	obs = set_count(obs, "converged_workloads", ob->converged_workloads);
	obs = set_count(obs, "unconverged_workloads",
			ob->workloads - ob->converged_workloads - ob->lost_workloads - ob->behind_workloads);
	if (s->restart_at >= 0)
		obs = set_count(obs, "lost_while_down_workloads", ob->lost_workloads);
	obs = set_count(obs, "behind_workloads", ob->behind_workloads);
	obs = set_count(obs, "stale_templates", ob->stale_templates);
	if (s->expect_annotation)
		obs = set_count(obs, "annotation_missing", ob->annotation_missing);
	obs = jv_object_set(obs, jv_string("latency_seconds"), dist_json(&roll));
	const char *names[20];
	size_t nu = graph_unconverged(&r->g, names, 20);
	jv list = jv_array();
	for (size_t i = 0; i < nu; i++)
		list = jv_array_append(list, jv_string(names[i]));
	obs = jv_object_set(obs, jv_string("unconverged_examples"), list);
	obs = jv_object_set(obs, jv_string("spurious_examples"), roll_examples(r, 0, 50));
	return jv_object_set(obs, jv_string("allowed_examples"), roll_examples(r, 1, 20));
}

/* What the restart command's outcome was, in words. */
static void restart_value(const struct run *r, char *value, size_t size)
{
	if (r->o->restart_cmd == NULL)
		snprintf(value, size, "no restart command was given");
	else if (!r->restart_done)
		snprintf(value, size, "the restart time (%.0f s into the update phase) was never reached",
			 r->s->restart_at);
	else if (r->restart_spawn_error)
		snprintf(value, size, "the restart command could not be run");
	else if (!WIFEXITED(r->restart_status))
		snprintf(value, size, "the restart command was killed by signal %d",
			 WIFSIGNALED(r->restart_status) ? WTERMSIG(r->restart_status) : 0);
	else if (WEXITSTATUS(r->restart_status) != 0)
		snprintf(value, size, "the restart command exited with status %d", WEXITSTATUS(r->restart_status));
	else
		snprintf(value, size, "restarted %.1f s into the update phase; back after %.1f s",
			 r->restart_at - r->t_phase_start, r->restart_finished - r->restart_at);
}

/* The restart's times (when it happened) into o, and its checks. */
static jv check_restart(const struct run *r, struct checks *ck, jv o)
{
	const struct scenario *s = r->s;
	int restarted = r->restart_done && !r->restart_spawn_error && WIFEXITED(r->restart_status) &&
			WEXITSTATUS(r->restart_status) == 0;
	char value[160], req[160];

	if (r->restart_done) {
		jv rs = jv_object_set(jv_object(), jv_string("at"), jv_number(run_unix(r, r->restart_at)));
		rs = jv_object_set(rs, jv_string("finished"), jv_number(run_unix(r, r->restart_finished)));
		o = jv_object_set(o, jv_string("restart"), rs);
	}
	restart_value(r, value, sizeof(value));
	snprintf(req, sizeof(req), "the controller restarted %.0f s into the update phase (restart command exits 0)",
		 s->restart_at);
	check(ck, "restart_happened", restarted, "the controller was not restarted", req, "%s", value);
	if (s->restart_catch_up)
		check(ck, "updates_while_down", r->sent_while_down > 0,
		      "no update was sent while the controller was down",
		      "at least one update sent while the controller was down",
		      "%ld updates sent while the restart command ran", r->sent_while_down);
	return o;
}

/* The checks of what the scenario itself asks for (fewer rollouts, an annotation). */
static void check_expectations(const struct run *r, const struct observed *ob, struct checks *ck)
{
	const struct scenario *s = r->s;
	char req[160];

	if (s->expect_fewer) {
		long changes = r->succeeded - r->noop_ok;
		check(ck, "fewer_rolls_than_updates", ob->rollouts < changes,
		      "the controller rolled out as often as the data changed",
		      "fewer rollouts than data changes (the pause period folds them)",
		      "%ld rollouts for %ld data changes (%ld template changes)", ob->rollouts, changes, ob->rolls);
	}
	if (s->expect_annotation) {
		long rolled = 0;
		for (size_t w = 0; w < r->g.nwl; w++)
			rolled += r->g.wl[w].rolls > 0;
		snprintf(req, sizeof(req), "every rolled workload's template carries %s", s->expect_annotation);
		check(ck, "annotation_present", ob->annotation_missing == 0, "a rolled workload lacks the annotation", req,
		      "%ld of %ld rolled workloads lack it", ob->annotation_missing, rolled);
	}
}

/* Did the run do what the scenario says? Its checks into ck (and the restart's times into o). */
static jv run_checks(const struct run *r, const struct observed *ob, struct rates rt, struct checks *ck, jv o)
{
	const struct scenario *s = r->s;
	char req[160];

	snprintf(req, sizeof(req), "every object created and every workload ready within %.0f s",
		 r->o->setup_timeout);
	check(ck, "setup_ready", r->setup_ready && r->setup_failed == 0, "the setup did not complete", req,
	      "%ld of %ld workloads ready after %.1f s; %ld objects could not be created", r->setup_ready_workloads,
	      r->setup_workloads, r->t_ready > 0 ? r->t_ready - r->t_start : 0.0, r->setup_failed);
	int rate_ok = r->intended == 0 || (double)r->succeeded >= s->min_rate * (double)r->intended;
	snprintf(req, sizeof(req), ">= %g%% of the intended %.1f/s", s->min_rate * 100, rt.intended);
	check(ck, "rate_reached", rate_ok, "the intended rate was not reached", req, "%.1f/s (%ld of %ld updates)",
	      rt.achieved, r->succeeded, r->intended);
	if (s->restart_at >= 0)
		o = check_restart(r, ck, o);
	/* The API server gone for a moment (restarted, crashed): the load and the controller's
	 * surroundings were not what the scenario says, however few writes it cost. */
	long transport = 0;
	for (size_t i = 0; i < r->nerrs; i++)
		if (strcmp(r->errs[i].kind, "transport") == 0)
			transport = r->errs[i].n;
	check(ck, "api_server_reachable", transport == 0 && r->watch_cut == 0,
	      "the API server could not be reached during the run", "every request and watch answered (none refused or cut)",
	      "%ld requests without an answer (refused or cut), %ld watches cut", transport, r->watch_cut);
	check(ck, "observer_complete", !r->watch_lost && r->relists == 0,
	      "the observer lost its watch, or had to list again after a gap (a change between may be unseen)",
	      "every workload event seen (watches resumed within 20 tries, from where they stopped)",
	      "%s; %ld watch restarts, %ld relists", r->watch_lost ? "a watch was lost" : "no watch lost",
	      r->watch_restarts, r->relists);
	check_expectations(r, ob, ck);
	check(ck, "completed", !r->interrupted, "the run was interrupted", "the run not interrupted", "%s",
	      r->interrupted ? "interrupted by a signal" : "ran to the end");
	return o;
}

int run_write_results(const struct run *r, const char *out, const char *expected_out, int *ok)
{
	const struct scenario *s = r->s;
	struct observed ob;
	struct checks ck = { jv_object(), jv_array() };
	struct rates rt = run_rates(r);
	int rc;

	graph_summary(&r->g, &ob);
	jv o = run_header_json(r);
	o = jv_object_set(o, jv_string("updates"), updates_json(r, rt));
	if (s->churn.set) {
		jv c = set_count(jv_object(), "created", r->churn_created);
		c = set_count(c, "deleted", r->churn_deleted);
		c = set_count(c, "failed", r->churn_failed);
		o = jv_object_set(o, jv_string("churn"), c);
	}
	jv exp = expected_json(r, &ob);
	o = jv_object_set(o, jv_string("expected"), jv_copy(exp));
	o = jv_object_set(o, jv_string("observed"), observed_json(r, &ob));
	o = run_checks(r, &ob, rt, &ck, o);
	o = jv_object_set(o, jv_string("checks"), ck.obj);
	*ok = jv_array_length(jv_copy(ck.problems)) == 0;
	o = jv_object_set(o, jv_string("ok"), jv_bool(*ok));
	o = jv_object_set(o, jv_string("incomplete"), jv_bool(r->interrupted));
	o = jv_object_set(o, jv_string("problems"), ck.problems);

	/* The run's measurements first: a bad expected.json path must not lose them. */
	rc = json_write(out, o);
	if (json_write(expected_out, exp) < 0)
		rc = -1;
	jv_free(exp);
	jv_free(o);
	return rc;
}

/* One record: the update, the workload, and its times in unix seconds (rolled when rolled). */
static void update_line(struct sbuf *sb, const struct run *r, unsigned long seq, size_t wl, double sent,
			int rolled, double at, int folded)
{
	const struct workload *w = &r->g.wl[wl];

	sbuf_addf(sb, "{\"seq\":%lu,\"workload\":\"%s/%s\"", seq, w->ns, w->name);
	if (seq >= 1 && seq <= r->seq && r->sched_of)
		sbuf_addf(sb, ",\"scheduled\":%.3f", run_unix(r, r->sched_of[seq - 1]));
	sbuf_addf(sb, ",\"sent\":%.3f", run_unix(r, sent));
	if (rolled)
		sbuf_addf(sb, ",\"rolled\":%.3f", run_unix(r, at));
	if (folded)
		sbuf_add(sb, ",\"folded\":true");
	sbuf_add(sb, "}\n");
}

int run_write_updates(const struct run *r, const char *path)
{
	struct sbuf sb = SBUF_INIT;
	int rc;

	/* Updates with a roll of their own; then the others: folded ones with the rollout that
	 * brought their data ("folded": true), and those never rolled to (missed, lost while
	 * down, behind) without "rolled". Names are Kubernetes names: nothing to escape. */
	for (size_t i = 0; i < r->g.nrecs; i++) {
		const struct roll_rec *rec = &r->g.recs[i];
		update_line(&sb, r, rec->seq, rec->wl, rec->sent, 1, rec->rolled, 0);
	}
	for (size_t i = 0; i < r->g.nwl; i++) {
		const struct workload *w = &r->g.wl[i];
		for (size_t k = 0; k < w->npend; k++) {
			const struct pending *e = &w->pend[k];
			/* Folded: its data reached the pods with the first rollout after it. */
			int folded = e->out_before < w->nout;
			if (e->acked)
				update_line(&sb, r, e->seq, i, e->sent, folded, folded ? w->out_at[e->out_before] : 0,
					    folded);
		}
	}
	rc = fs_write_atomic(path, sb.len ? sbuf_str(&sb) : "", sb.len);
	sbuf_free(&sb);
	return rc;
}
