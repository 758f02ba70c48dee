/*
 * What the kind and existing providers share: Prometheus and the controller arms run inside
 * the cluster from manifests/, waits on rollouts and pods by watch, logs read from the API.
 */
#ifndef KINDCTL_INCLUSTER_H
#define KINDCTL_INCLUSTER_H

#include <jv.h>
#include <stddef.h>
#include "kindctl.h"
#include "sbuf.h"

/* How to reach the cluster: kubeconfig files (':'-separated; NULL: $KUBECONFIG, else
   ~/.kube/config) and context (NULL: the current one). */
struct access {
	const char *kubeconfig;
	const char *context;
};

/* manifests/<file>: $LOADTEST_MANIFESTS/<file>, else the manifests/ folder found upward
   from the binary, else ./manifests/<file>; malloc'd. */
char *manifest_file(const char *file);

/* GET /version: 0 when the API server answers, else -1 after printing why. */
int ic_answers(const struct access *a);
/* Wait by watch until at least want nodes are Ready. 0, or -1 after printing why. */
int ic_nodes_ready(const struct access *a, long want, double timeout_s);

/*
 * The reloader-arm.yaml template filled for one arm: @ARM@, @IMAGE@, and @ARGS@ as one
 * "            - <JSON string>" line per argument. NULL after printing why (an image name
 * or an argument that cannot be written there). malloc'd.
 */
char *arm_manifest(const char *tmpl, const char *arm, const char *image, const char *const *args, size_t nargs);
/* Whether image is a container image name kindctl passes on (no options, no quotes). */
int image_name_ok(const char *image);
/* The same, saying why not. */
int image_usable(const char *image);

/*
 * How a rollout stands (a kwait condition, public for the unit tests): objs[0] holds the
 * Deployment (or nothing yet), objs[1] its pods. As kubectl rollout status: 1 once the
 * controller saw the latest generation and every replica is updated and ready with no old
 * one left; -1 at once when the progress deadline passed or a container is in a state that
 * waiting does not mend (ImagePullBackOff, CrashLoopBackOff...); else 0. why says which.
 */
int ic_rollout_judge(const jv *objs, void *ud, struct sbuf *why);

/* The verbs, returning exit statuses (0, 1, 2). */
int ic_prometheus_start(const struct kopts *o, const struct access *a);
/* Stop the port-forward; with remove, also delete what prometheus.yaml made (ours only). */
int ic_prometheus_stop(const struct kopts *o, const struct access *a, int remove);
int ic_arm_start(const struct kopts *o, const struct access *a);
int ic_arm_stop(const struct kopts *o, const struct access *a);
int ic_arm_restart(const struct kopts *o, const struct access *a);

#endif
