/*
 * The observer: a watch per workload kind on the scenario's Deployments, StatefulSets and
 * DaemonSets (selected by its label), every change of a workload handed to the graph, and the
 * watches resumed from the last version seen when they end.
 */
#ifndef SCENARIO_OBSERVER_H
#define SCENARIO_OBSERVER_H

#include "model.h"

struct run;
struct kube_watch;
struct observer;

#define OBSERVER_KINDS 3

/* One watch: one workload kind, across namespaces. */
struct obs_watch {
	struct observer *ob;
	enum obj_kind kind;
	char rv[64];
	struct kube_watch *w;
	int failures;
	int listed;		/* listed once: a later list covers a gap in its events */
	int active;
	int closed;		/* the stream ended: to be resumed outside the callbacks */
	double retry_at;	/* resume no earlier than this (backoff after failures) */
};

/*
 * Its watches, and the run it reads (client, graph, scenario) and reports to (the watch
 * counts, the last roll seen). A zeroed observer has nothing to resume or stop.
 */
struct observer {
	struct run *r;
	struct obs_watch w[OBSERVER_KINDS];
};

/* List what exists, then watch from the list's version, for every workload kind. 0, or -1
   (printed). */
int observer_start(struct observer *ob, struct run *r);
/*
 * Resume ended watches from the last version seen, with a growing pause between failed
 * attempts; called between loop turns, never from a callback.
 */
void observer_resume(struct observer *ob);
void observer_stop(struct observer *ob);

#endif
