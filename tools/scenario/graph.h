/*
 * The reference graph of a scenario (which workload references which ConfigMap/Secret)
 * and the outside observer's accounting on it: expected rolls from the updates that
 * succeeded, rolls seen on the workloads, missed, duplicate and spurious rolls,
 * convergence and update-to-roll latency. Pure bookkeeping: no I/O, unit-tested.
 */
#ifndef SCENARIO_GRAPH_H
#define SCENARIO_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

struct pending {
	double sent;		/* when the update request was sent (monotonic seconds) */
	unsigned long seq;	/* which update */
};

struct cfgobj {
	enum obj_kind kind;
	const char *ns;
	char *name;
	const struct obj_spec *spec;
	long idx;
	size_t *users;		/* workloads that reference it */
	size_t nusers;
	long changes;		/* successful data changes */
	double last_change_done;	/* when the last data change was acknowledged */
};

struct workload {
	enum obj_kind kind;
	const char *ns;
	char *name;
	const struct obj_spec *spec;
	long idx;
	int churn;		/* created by the churn loop */
	size_t *refs;		/* cfgobj indices */
	size_t nrefs;
	int exists;		/* created and not deleted (as far as the driver knows) */
	int seen;		/* the observer has seen it */
	int ready;
	uint64_t tmpl;		/* hash of the pod template last seen */
	int have_tmpl;
	long rolls;
	long expected;
	long matched;
	long spurious;
	double last_roll;	/* when the observer saw the last roll, < 0: never */
	double need_roll_since;	/* send time of the latest change it must roll for, 0: none */
	int annotation_ok;	/* the expected pod-template annotation is present after a roll */
	struct pending *pend;	/* updates waiting for the roll they should cause (FIFO) */
	size_t npend, cappend;
};

struct graph {
	struct cfgobj *cfg;
	size_t ncfg;
	struct workload *wl;
	size_t nwl, capwl;
	double *lat;		/* update-to-roll latencies */
	size_t nlat, caplat;
	long skipped_expected;	/* no-op updates: the controller should skip them */
	long scanned_expected;
	long updates_ok;	/* successful updates of any kind */
	int scanned_exact;	/* every update's namespace holds only referencing workloads */
	/* hash of "kind/ns/name" -> index + 1 (cfg: positive, workload: negative) */
	long *slots;
	size_t nslots;
};

/* Expand a scenario into objects; -1 after printing why (a ref to an object not created). */
int graph_build(struct graph *g, const struct scenario *s);
void graph_free(struct graph *g);
long graph_find_cfg(const struct graph *g, enum obj_kind kind, const char *ns, const char *name);
long graph_find_wl(const struct graph *g, enum obj_kind kind, const char *ns, const char *name);
/* Add a workload created during the run (churn); its index, or -1 (printed) for a bad ref. */
long graph_add_workload(struct graph *g, const struct scenario *s, const struct obj_spec *spec, const char *ns,
			  long idx);
/* Config objects an update spec targets. Returns a malloc'd list of cfg indices. */
size_t *graph_targets(const struct graph *g, const struct update_spec *u, size_t target, size_t *n);

/*
 * The write of update seq to cfg c is being sent: the workloads that reference c now wait
 * for a roll. (A fast controller may roll before the write's answer reaches us.)
 */
void graph_update_begin(struct graph *g, size_t c, unsigned long seq, double sent);
/* That write failed: nothing changed, nothing to wait for. */
void graph_update_failed(struct graph *g, size_t c, unsigned long seq);
/* An update of cfg c succeeded: data changed or not (no-op). */
void graph_update_ok(struct graph *g, size_t c, int data_changed, double sent, double done);
/*
 * The observer saw workload w with a pod template hashing to tmpl (now = monotonic time);
 * has_annotation: whether the template carries the scenario's expected annotation. A roll
 * is a change of the pod template: other spec changes (pausing, scaling) are not rolls.
 */
void graph_observe(struct graph *g, size_t w, uint64_t tmpl, int ready, int has_annotation, double now);
void graph_deleted(struct graph *g, size_t w);

struct observed {
	long rolls, missed, duplicate, spurious, expected;
	long workloads, converged_workloads, annotation_missing;
	int converged;
};
void graph_summary(const struct graph *g, struct observed *o);
/* Workloads not converged (names), up to max, for the results. */
size_t graph_unconverged(const struct graph *g, const char **names, size_t max);

#endif
