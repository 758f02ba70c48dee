/*
 * What the kind and existing providers share: Prometheus and the controller arms run inside
 * the cluster from manifests/, waits on rollouts and pods by watch, logs read from the API.
 * incluster.c has the verbs, incluster_wait.c the waits, incluster_template.c the arm's
 * manifest, incluster_forward.c Prometheus's port-forward.
 */
#ifndef KINDCTL_INCLUSTER_H
#define KINDCTL_INCLUSTER_H

#include <jv.h>
#include <stddef.h>
#include "kindctl.h"
#include "kobj.h"
#include "sbuf.h"

#define PROM_NS "monitoring"
#define PROM_NAME "prometheus"

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

/* ---- between the incluster*.c files ---- */

/* A connection to the cluster a access names; 0, or -1 after printing why. */
int ic_open(struct kconn *c, const struct access *a);
/* Wait until deployment ns/name (its pods: selector) has rolled out; 0, or -1 after printing why. */
int ic_wait_rollout(struct kube *k, const char *ns, const char *name, const char *selector);
/* Wait until namespace ns no longer exists; 0, or -1 after printing why. */
int ic_wait_ns_gone(struct kube *k, const char *ns);
/* A namespace of ours that is still being deleted (an earlier stop) must be gone before we
   apply into it again: wait for it then. 0, or -1 after printing why. */
int ic_settle_ns(struct kube *k, const char *ns);
/* Which pod ic_wait_pod waits for: not one of old_uids (a JSON array); its name when found. */
struct ic_pick {
	jv old_uids;
	char name[256];
};
/* Wait until the newest pod of ns matching selector that is not one of pk's old ones is
   Ready; what names the wait in messages. 0 (pk->name set), or -1 after printing why. */
int ic_wait_pod(struct kube *k, const char *ns, const char *selector, struct ic_pick *pk, const char *what);
/* Where the port-forward's pid is recorded; malloc'd. */
char *ic_forward_pidfile(const struct kopts *o);
/* Forward 127.0.0.1:port to Prometheus's service (kubectl port-forward, in the background)
   and print its URL once Prometheus answers there. An exit status (0 or 1). */
int ic_port_forward(const struct kopts *o, const struct access *a, long port);

/* The verbs, returning exit statuses (0, 1, 2). */
int ic_prometheus_start(const struct kopts *o, const struct access *a);
/* Stop the port-forward; with remove, also delete what prometheus.yaml made (ours only). */
int ic_prometheus_stop(const struct kopts *o, const struct access *a, int remove);
int ic_arm_start(const struct kopts *o, const struct access *a);
int ic_arm_stop(const struct kopts *o, const struct access *a);
int ic_arm_restart(const struct kopts *o, const struct access *a);

#endif
