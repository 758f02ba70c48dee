/*
 * What the driver's files share, and nothing else of the tool uses: driver.c (the phases and
 * the loop), cleanup.c (namespaces deleted), observer.c (the watches), writes.c (the
 * requests that create, update and churn).
 */
#ifndef SCENARIO_DRIVER_INT_H
#define SCENARIO_DRIVER_INT_H

#include <jv.h>
#include <stddef.h>
#include "driver.h"

struct kube_result;
struct schedule;
struct writer;

/* ---- driver.c: the loop ---- */

/* What every turn of the loop does besides polling: reap the restart command, notice a
   signal (r->interrupted), resume the observer's watches. */
void run_tend(struct run *r);
/* A blocking request (outside callbacks only); body consumed. 0 with an HTTP answer in res
   (the caller frees it), or -1 after printing why, with nothing left to free. */
int run_call(struct run *r, const char *method, const char *path, jv body, struct kube_result *res);
/* "cannot reach the API server (METHOD PATH): why", for a request with no HTTP answer; -1. */
int run_unreachable(const char *method, const char *path, const struct kube_result *res);

/* ---- cleanup.c ---- */

/*
 * Delete namespace ns, if it exists and this tool made it, and wait (unless !wait) by
 * watching until it is gone, at the latest at deadline (mono_now's clock). 0, or -1
 * (printed): a namespace of someone else's, a refusal, the deadline, an interruption.
 */
int run_delete_namespace(struct run *r, const char *ns, double deadline, int wait);
/*
 * The namespaces an earlier run of this scenario left (interrupted, or made under another
 * --namespace-suffix) deleted without waiting; a failure is a warning, not the run's.
 */
void run_delete_leftovers(struct run *r);

/* ---- writes.c: each answered in a callback; r->outstanding counts them ---- */

/* POST obj (consumed) as an object of kind in ns; wl: the workload it is (index), or -1. */
void create_async(struct run *r, enum obj_kind kind, const char *ns, const char *name, jv obj, long wl,
		  int churn);
/* Send the next update of writer w (its tick at w->next): GET, change, PUT. */
void update_fire(struct run *r, struct schedule *sc, struct writer *w);

struct churn_state {
	double next;
	long n;
	size_t *created;	/* workload indices in creation order */
	size_t ncreated;
};

/* Create the next churn workload, and delete the oldest beyond the scenario's keep. */
void churn_tick(struct run *r, struct churn_state *cs);

#endif
