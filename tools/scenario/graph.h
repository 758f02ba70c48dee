/*
 * The reference graph of a scenario (which workload references which ConfigMap/Secret)
 * and the outside observer's accounting on it: which updates each workload owes a roll,
 * which roll answered which update (its own roll, or a roll to a newer version that folded
 * it), which were missed, lost while the controller was down, or still pending when the
 * observer stopped, which rolls were allowed or spurious, convergence and update-to-roll
 * latency. Pure bookkeeping: no I/O, unit-tested. Built in graph.c, kept up during a run in
 * graph_track.c (what the driver did, what the observer saw), judged in graph_verdict.c.
 */
#ifndef SCENARIO_GRAPH_H
#define SCENARIO_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

enum { V_INFLIGHT, V_OK, V_FAILED };

/* One version of a ConfigMap's or Secret's data: as created, or written by an update. */
struct version {
	unsigned char fp[20];	/* its fingerprint (fingerprint.h) */
	int has_fp;
	unsigned long seq;	/* the update that wrote it; 0: the object as created */
	double order;		/* commit order: the resourceVersion its write was based on; -1 as created */
	double sent;		/* when its write (or the creation) was sent, monotonic seconds */
	int state;
};

/* An update answered by a roll of its own: for the per-update records. */
struct roll_rec {
	unsigned long seq;
	size_t wl;
	double sent, rolled;	/* monotonic seconds */
};

/* An update a workload owes a roll for. */
struct pending {
	unsigned long seq;
	size_t cfg;
	size_t ver;		/* index in cfg's versions */
	double sent;
	size_t out_before;	/* how many rollouts the workload had when the write was sent */
	int acked;		/* the write succeeded (unanswered writes are never counted missed) */
};

/* What the workload's pod template records of one object it references. */
struct refstate {
	int seen;		/* a roll recorded a recognised version of it */
	double best;		/* the newest version (order) any roll recorded */
	double now;		/* the version the current template records */
};

/* A roll that answered no update: classified as allowed or spurious at the end. */
struct odd_roll {
	double at;
	long cfg;		/* the object whose version it recorded, -1: none recognised */
	long ver;
	int kind;		/* ODD_UNKNOWN, ODD_NOT_OWED (a version the workload never owed), ODD_NOTHING_NEW */
};

enum { ODD_UNKNOWN, ODD_NOT_OWED, ODD_NOTHING_NEW };

struct cfgobj {
	enum obj_kind kind;
	const char *ns;
	size_t nsi;		/* index of ns in the scenario's namespaces */
	char *name;
	const struct obj_spec *spec;
	long idx;
	size_t *users;		/* workloads that reference it */
	size_t nusers, capusers;
	long changes;		/* successful data changes */
	double last_change_done;	/* when the last data change was acknowledged */
	struct version *ver;	/* every version, in the order the writes were sent */
	size_t nver, capver;
};

struct workload {
	enum obj_kind kind;
	const char *ns;
	size_t nsi;
	char *name;
	const struct obj_spec *spec;
	long idx;
	int churn;		/* created by the churn loop */
	size_t *refs;		/* cfgobj indices */
	struct refstate *rs;	/* parallel to refs */
	size_t nrefs;
	int exists;		/* created and not deleted (as far as the driver knows) */
	int deleted;
	double created_sent;	/* when its creation was sent / acknowledged; < 0: not (yet) */
	double created_ack;
	int seen;		/* the observer has seen it */
	int ready;
	uint64_t tmpl;		/* hash of the pod template last seen */
	int have_tmpl;
	uint64_t shown;		/* the template last rolled out (seen while not paused) */
	int have_shown;
	int paused;
	long rolls;		/* pod-template changes */
	long expected;
	long own;		/* rolls that recorded the version of an update it owed */
	long folded_at_roll;	/* updates answered by a roll to a newer version (recognised) */
	long recognised;	/* rolls whose template records a version the driver wrote */
	double last_roll;	/* when the observer saw the last roll, < 0: never */
	int annotation_ok;	/* the expected pod-template annotation is present after a roll */
	struct pending *pend;	/* updates not answered by a roll of their own, in the order sent */
	size_t npend, cappend;
	double *out_at;		/* when each rollout was seen: the pods restarted and read current data */
	size_t nout, capout;
	struct odd_roll *odd;
	size_t nodd, capodd;
};

struct graph {
	struct cfgobj *cfg;
	size_t ncfg, capcfg;
	struct workload *wl;
	size_t nwl, capwl;
	size_t nns;
	const struct obj_spec *objs;	/* the scenario's objects */
	size_t nobjs;
	size_t *spec_first;	/* [spec * nns + ns]: its first ConfigMap/Secret there; count follow */
	size_t *specslots;	/* ConfigMap/Secret specs by (kind, pattern) -> index + 1 */
	size_t nspecslots;
	/* ConfigMaps/Secrets by (kind, name) in any namespace: the first and last + 1 */
	struct nameslot { size_t first, last; } *nameslots;
	size_t nnameslots;
	size_t *same_name;	/* per cfg: the next one + 1 of the same kind and name (0: none) */
	size_t *linked;		/* per cfg: the workload + 1 that last linked it (duplicate refs) */
	long *ns_existing;	/* existing workloads per namespace */
	long nexisting;		/* workloads that exist ... */
	long nready_existing;	/* ... and of them, ready (kept as events come) */
	double *lat;		/* latencies measured at roll time (own rolls, recognised folds) */
	size_t nlat, caplat;
	struct roll_rec *recs;	/* each own roll: which update, which workload, when (updates.jsonl) */
	size_t nrecs, caprecs;
	double lat_max;		/* the slowest own roll so far: how far behind the controller may be */
	long skipped_expected;	/* no-op updates: the controller should skip them */
	long scanned_expected;
	long updates_ok;	/* successful updates of any kind */
	int scanned_exact;	/* every update's namespace holds only referencing workloads */
	/* controller restart: updates sent in [down_from, down_to] may be lost by design */
	int restarted;
	double restart_at, down_from, down_to;
	int catch_up;		/* the controller must catch up after a restart (and may re-examine all) */
	int unsettled;		/* the controller was still rolling when the observer stopped */
	/* hash of "kind/ns/name" -> index + 1 (cfg: positive, workload: negative) */
	long *slots;
	size_t nslots;
	/* update seq -> its version's index + 1 in the object it wrote (0: none): O(1) lookups */
	size_t *seqver;
	size_t nseqver;
	/* fingerprint -> (cfg + 1, version) */
	struct fpslot { uint32_t cfg1, ver; } *fps;
	size_t nfps, nfpslots;
};

/*
 * Expand a scenario into objects; -1 after printing why as file:line:col (a ref to an
 * object not created, a name created twice or that Kubernetes refuses, an overflow met
 * at one index of a pattern, an update target that matches nothing).
 */
int graph_build(struct graph *g, const struct scenario *s);
void graph_free(struct graph *g);
long graph_find_cfg(const struct graph *g, enum obj_kind kind, const char *ns, const char *name);
long graph_find_wl(const struct graph *g, enum obj_kind kind, const char *ns, const char *name);
/* Add a workload created during the run (churn); its index, or -1 (printed) for a bad ref. */
long graph_add_workload(struct graph *g, const struct scenario *s, const struct obj_spec *spec, const char *ns,
			  long idx);
/*
 * Config objects an update spec targets, in the order created. Returns a malloc'd list
 * of cfg indices (NULL when there are none); time linear in their number.
 */
size_t *graph_targets(const struct graph *g, const struct update_spec *u, size_t target, size_t *n);

/* cfg c was created with data of fingerprint fp (NULL: unknown); its creation was sent at `sent`. */
void graph_cfg_created(struct graph *g, size_t c, const unsigned char *fp, double sent);
/* Workload w exists: its creation was sent at `sent` and acknowledged at `ack`. */
void graph_workload_created(struct graph *g, size_t w, double sent, double ack);
/* Workload w was deleted: what it still waited for is no longer owed. */
void graph_deleted(struct graph *g, size_t w);

/*
 * The write of update seq to cfg c is being sent, with data of fingerprint fp (NULL:
 * unknown), based on the object's version `order` (its resourceVersion): the workloads
 * that reference c now wait for a roll. (A fast controller may roll before the write's
 * answer reaches us.)
 */
void graph_update_begin(struct graph *g, size_t c, unsigned long seq, double sent, const unsigned char *fp,
			double order);
/* That write failed: nothing changed, nothing to wait for. */
void graph_update_failed(struct graph *g, size_t c, unsigned long seq);
/* An update of cfg c succeeded: data changed or not (no-op). */
void graph_update_ok(struct graph *g, size_t c, int data_changed, unsigned long seq, double sent, double done);

/*
 * The observer saw workload w with a pod template hashing to tmpl, whose text is
 * tmpl_text (searched for fingerprints; may be NULL); paused: the deployment is paused;
 * has_annotation: the template carries the scenario's expected annotation; now: monotonic
 * time. A roll is a change of the pod template: other spec changes are not rolls.
 */
void graph_observe(struct graph *g, size_t w, uint64_t tmpl, const char *tmpl_text, int paused, int ready,
		   int has_annotation, double now);

/* The restart command started (at) and returned (done). */
void graph_restart_begin(struct graph *g, double at);
void graph_restart_end(struct graph *g, double done);

struct observed {
	long rolls, rollouts, expected, recognised;
	long own, folded, missed, lost_while_down, behind, duplicate;
	long allowed, spurious;
	long workloads, converged_workloads, lost_workloads, behind_workloads, annotation_missing;
	long waiting_resume;	/* paused deployments whose new template is not rolled out yet */
	long stale_templates;	/* workloads whose template records an older version than the latest */
	int converged;		/* every workload converged, or is left behind only by lost updates */
};
void graph_summary(const struct graph *g, struct observed *o);
/* Workloads not converged (names), up to max, for the results. */
size_t graph_unconverged(const struct graph *g, const char **names, size_t max);
/* Every update-to-roll latency (own rolls and folded updates); malloc'd, *n of them. */
double *graph_latencies(const struct graph *g, size_t *n);

/* A roll that answered no update, for the results' examples. */
struct roll_note {
	size_t w;
	double at;
	int allowed;
	long cfg, ver;		/* the version it recorded; -1: none recognised */
	int kind;
};
/* The first max rolls classified allowed (or spurious), workload by workload. */
size_t graph_roll_notes(const struct graph *g, int allowed, struct roll_note *out, size_t max);

#endif
