/* Kubernetes manifests (as libjv objects) for a scenario's namespaces, objects and workloads. */
#ifndef SCENARIO_MANIFEST_H
#define SCENARIO_MANIFEST_H

#include <jv.h>
#include "graph.h"

#define LABEL_SCENARIO "loadtest.reloader.stakater.com/scenario"
#define ANNOT_TOUCH "loadtest.reloader.stakater.com/touched"

jv manifest_namespace(const char *ns, const char *scenario);
jv manifest_cfg(const struct cfgobj *c, const char *scenario);
jv manifest_workload(const struct workload *w, const struct graph *g, const char *scenario);
/* API paths: collection ("/api/v1/namespaces/NS/configmaps") and one object, from kobj's table. */
char *api_collection(enum obj_kind k, const char *ns);
char *api_object(enum obj_kind k, const char *ns, const char *name);
/*
 * Change a fetched ConfigMap/Secret (consumed) for update number seq: new data values,
 * the tail of a key, or only an annotation (no-op). Returns the object to PUT.
 */
jv manifest_change(jv obj, enum obj_kind k, const struct update_spec *u, unsigned long seq);

#endif
