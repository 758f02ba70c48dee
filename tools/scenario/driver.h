/* The scenario run: setup, open-loop update phase, settle, with the observer in the same loop. */
#ifndef SCENARIO_DRIVER_H
#define SCENARIO_DRIVER_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include "graph.h"
#include "model.h"

struct kube;
struct kubeconfig;

struct run_opts {
	const char *arm;		/* "old", "new", or any label */
	double duration;		/* seconds, as the reference's --duration */
	unsigned long seed;
	double setup_timeout;		/* seconds to wait for workloads to be ready */
	double quiet;			/* settle ends after this long without a roll ... */
	double settle_timeout;		/* ... or after this long */
	int max_inflight;		/* concurrent API requests */
	char **restart_cmd;		/* argv run at the scenario's restart time, or NULL */
	int progress;			/* progress lines on stderr */
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
	uint64_t rng;

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

#endif
