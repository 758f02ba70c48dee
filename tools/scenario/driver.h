/* The scenario run: setup, open-loop update phase, settle, with the observer in the same loop. */
#ifndef SCENARIO_DRIVER_H
#define SCENARIO_DRIVER_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <jv.h>
#include "graph.h"
#include "model.h"
#include "observer.h"
#include "window.h"

struct kube;
struct kubeconfig;

struct run_opts {
	const char *arm;		/* "old", "new", or any label */
	double duration;		/* seconds, as the reference's --duration */
	unsigned long seed;
	double setup_timeout;		/* seconds to wait for workloads to be ready */
	double quiet;			/* settle ends, once every expected roll is seen, after this
					   long without one more ... */
	double settle_timeout;		/* ... or after this long */
	int max_inflight;		/* concurrent API requests; the update window adapts below it */
	int fixed_inflight;		/* keep the update window at max_inflight (no adaptation) */
	char **restart_cmd;		/* argv run at the scenario's restart time, or NULL */
	int progress;			/* progress lines on stderr */
	int delete_after;		/* delete the namespaces at the end, without waiting */
};

#define MAX_ERR_KINDS 24

struct err_count {
	char kind[48];
	long n;
};

struct run {
	const struct scenario *s;
	const struct run_opts *o;
	struct graph g;
	struct kube *k;

	/* clock: monotonic seconds, mapped to unix time by one reading at the start */
	double mono0;
	double unix0;
	double t_start, t_cleaned, t_ready, t_phase_start, t_phase_end, t_settled, t_end;
	double phase_len;
	int setup_ready;

	/* updates */
	long intended, sent, succeeded, failed, conflicts, noop_ok;
	long sent_while_down;		/* sent while the restart command ran */
	struct err_count errs[MAX_ERR_KINDS];
	size_t nerrs;
	double *lateness;		/* actual send - scheduled */
	size_t nlate, caplate;
	double *latency;		/* acknowledged - scheduled */
	size_t nlat, caplat;
	long not_sent;			/* intended ticks still waiting for the window when the phase ended */
	long upd_inflight;		/* updates between their first request and their last answer */
	struct window win;
	/* saturation: time with ticks due but held back by the window, and updates answered then */
	double backlog_since;		/* < 0: no backlog now */
	double backlog_seconds;
	long backlog_done;
	int saturated;			/* held back long enough that backlog_done / backlog_seconds is the
					   rate the server sustains */
	unsigned long seq;
	double *sched_of;		/* scheduled time of update seq (index seq - 1), monotonic */
	size_t capsched;

	/* setup */
	long setup_failed;
	long setup_workloads, setup_ready_workloads;	/* when setup ended */

	/* churn */
	long churn_created, churn_deleted, churn_failed;

	/* controller restart */
	int restart_due;
	int restart_done;
	pid_t restart_pid;
	double restart_at, restart_finished;
	int restart_status;		/* wait status */
	int restart_spawn_error;

	/* observer */
	struct observer obs;
	int watch_lost;
	long watch_restarts;
	long watch_cut;			/* watches ended without an HTTP answer: the server went away */
	long relists;			/* lists after a watch's first (its version was gone): a gap */
	double last_roll_seen;

	long outstanding;		/* our operations not finished yet */
	int interrupted;
};

/* Run the scenario against the cluster; fills r. Returns 0, or -1 on trouble (printed). */
int run_scenario(struct run *r, const struct scenario *s, const struct run_opts *o, const struct kubeconfig *cfg);
void run_free(struct run *r);
/* Count an error by kind ("http 500", "conflict", "timeout", ...). */
void run_count_error(struct run *r, const char *kind);
/* Write run.json and expected.json; returns 0 or -1. Sets *ok to whether the run did what it claims. */
int run_write_results(const struct run *r, const char *out, const char *expected_out, int *ok);
/* One line per update and workload it owed a roll to: seq, workload, scheduled, sent and
 * (when it got a roll of its own) rolled, unix seconds; the file beside run.json. */
int run_write_updates(const struct run *r, const char *path);
double run_unix(const struct run *r, double mono);
/* The scenario's command-line edits ("scale", and "set" when --set was given) into o. */
jv scenario_edits_json(const struct scenario *s, jv o);
/* expected.json's counts for a run whose data changes owed expected_rolls rolls in all. */
jv scenario_expected_json(const struct scenario *s, const struct graph *g, long expected_rolls);
/*
 * A run's plan without a cluster: the objects, the updates intended over `duration`, and
 * the counts expected.json gets when every intended update succeeds (absent when they
 * cannot be known ahead: no exact count, or updates sent only during a restart). -1
 * after printing why (a reference to an object the scenario does not create).
 */
int scenario_plan(const struct scenario *s, double duration, unsigned long seed, jv *out);

#endif
