/* In-cluster waits: the API server answers, nodes are Ready, a rollout is done, a new pod is Ready, a
   namespace is gone; each judged on the objects a watch keeps (kwait). */
#include "incluster.h"
#include "jsonf.h"
#include "kobj.h"
#include "kwait.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROLLOUT_TIMEOUT_S 300.0
#define POD_TIMEOUT_S 180.0
#define GONE_TIMEOUT_S 300.0

/* ---- pods ---- */

static int pod_ready(jv pod)
{
	char phase[32];

	return !kobj_deleting(pod) && strcmp(kobj_str(pod, "status", "phase", phase, sizeof(phase)), "Running") == 0 &&
	       kobj_condition(pod, "Ready", NULL, 0);
}

/* Container states that do not mend by waiting: the image or the command is wrong. */
static const char *const hopeless[] = {
	"ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "CrashLoopBackOff",
	"CreateContainerConfigError", "CreateContainerError", "RunContainerError", NULL,
};

/*
 * Look at a pod's containers: writes why it is not ready into why (the first waiting
 * reason, else its phase). Returns 1 when a container is in a hopeless state.
 */
static int pod_trouble(jv pod, struct sbuf *why)
{
	static const char *const lists[] = { "initContainerStatuses", "containerStatuses" };
	char name[256], phase[32];
	int bad = 0, said = 0;

	kobj_str(pod, "metadata", "name", name, sizeof(name));
	for (size_t l = 0; l < 2 && !said; l++) {
		jv cs = kobj_field(pod, "status", lists[l]);
		int n = jv_get_kind(cs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(cs)) : 0;
		for (int i = 0; i < n && !said; i++) {
			jv c = jv_array_get(jv_copy(cs), i);
			jv w = kobj_field(c, "state", "waiting");
			const char *reason = json_str(w, "reason"), *msg = json_str(w, "message");
			const char *cname = json_str(c, "name");
			if (reason != NULL) {
				for (size_t h = 0; hopeless[h]; h++)
					bad |= strcmp(reason, hopeless[h]) == 0;
				sbuf_addf(why, "pod %s: container %s: %s%s%.300s", name, cname ? cname : "?", reason,
					  msg ? ": " : "", msg ? msg : "");
				said = 1;
			}
			jv_free(w);
			jv_free(c);
		}
		jv_free(cs);
	}
	if (!said && *kobj_str(pod, "status", "phase", phase, sizeof(phase)))
		sbuf_addf(why, "pod %s: %s", name, phase);
	else if (!said)
		sbuf_addf(why, "pod %s: not scheduled yet", name);
	return bad;
}

/* ---- waits ---- */

int ic_answers(const struct access *a)
{
	struct kconn c;
	struct kube_result r;
	char why[512];
	int rc = 0;

	if (ic_open(&c, a) < 0)
		return -1;
	kube_set_timeouts(c.k, 5000, 10000);
	kube_call(c.k, "GET", "/version", NULL, NULL, &r);
	if (!(r.code == CURLE_OK && r.status == 200)) {
		kube_why(&r, why, sizeof(why));
		rc = errorf("the API server of context '%s' (%s) does not answer: %s", c.cfg.context, c.cfg.server, why);
	}
	kube_result_free(&r);
	kconn_close(&c);
	return rc;
}

static int nodes_cond(const jv *objs, void *ud, struct sbuf *why)
{
	long want = *(const long *)ud, ready = 0;
	int n = jv_array_length(jv_copy(objs[0]));

	for (int i = 0; i < n; i++) {
		jv node = jv_array_get(jv_copy(objs[0]), i);
		ready += kobj_condition(node, "Ready", NULL, 0);
		jv_free(node);
	}
	if (ready >= want)
		return 1;
	sbuf_addf(why, "%ld of %ld nodes Ready (%d registered)", ready, want, n);
	return 0;
}

int ic_nodes_ready(const struct access *a, long want, double timeout_s)
{
	struct kconn c;
	const char *paths[] = { "/api/v1/nodes" };
	char what[300];

	if (ic_open(&c, a) < 0)
		return -1;
	snprintf(what, sizeof(what), "the %ld nodes of context '%s' did not become Ready", want, c.cfg.context);
	int rc = kwait(c.k, paths, 1, nodes_cond, &want, timeout_s, what);
	kconn_close(&c);
	return rc;
}

int ic_rollout_judge(const jv *objs, void *ud, struct sbuf *why)
{
	char reason[128];
	int npods = jv_array_length(jv_copy(objs[1]));

	(void)ud;
	if (jv_array_length(jv_copy(objs[0])) == 0) {
		sbuf_add(why, "the deployment does not exist");
		return 0;
	}
	jv d = jv_array_get(jv_copy(objs[0]), 0);
	double gen = kobj_num(d, 0, "metadata", "generation"), og = kobj_num(d, 0, "status", "observedGeneration");
	double want = kobj_num(d, 1, "spec", "replicas"), updated = kobj_num(d, 0, "status", "updatedReplicas");
	double ready = kobj_num(d, 0, "status", "readyReplicas"), total = kobj_num(d, 0, "status", "replicas");
	kobj_condition(d, "Progressing", reason, sizeof(reason));
	jv_free(d);
	if (strcmp(reason, "ProgressDeadlineExceeded") == 0) {
		sbuf_add(why, "its progress deadline was exceeded");
		return -1;
	}
	for (int i = 0; i < npods; i++) {
		jv pod = jv_array_get(jv_copy(objs[1]), i);
		struct sbuf one = SBUF_INIT;
		int bad = !kobj_deleting(pod) && !pod_ready(pod) && pod_trouble(pod, &one);
		jv_free(pod);
		if (bad) {
			sbuf_add(why, sbuf_str(&one));
			sbuf_free(&one);
			return -1;
		}
		sbuf_free(&one);
	}
	if (og < gen) {
		sbuf_addf(why, "the deployment controller has not seen generation %.0f yet", gen);
		return 0;
	}
	if (updated < want) {
		sbuf_addf(why, "%.0f of %.0f replicas updated", updated, want);
	} else if (total > updated) {
		sbuf_addf(why, "%.0f old replicas are still terminating", total - updated);
	} else if (ready < want) {
		sbuf_addf(why, "%.0f of %.0f updated replicas ready", ready, want);
	} else {
		return 1;
	}
	/* Say what the first pod that is not ready is doing. */
	for (int i = 0; i < npods; i++) {
		jv pod = jv_array_get(jv_copy(objs[1]), i);
		if (!kobj_deleting(pod) && !pod_ready(pod)) {
			sbuf_add(why, "; ");
			pod_trouble(pod, why);
			jv_free(pod);
			break;
		}
		jv_free(pod);
	}
	return 0;
}

int ic_wait_rollout(struct kube *k, const char *ns, const char *name, const char *selector)
{
	char *base_d = kobj_list_path("apps/v1", "Deployment", ns), *base_p = kobj_list_path("v1", "Pod", ns);
	char *field = xasprintf("metadata.name=%s", name), what[512];
	char *pd = kwait_selector(base_d, "fieldSelector", field), *pp = kwait_selector(base_p, "labelSelector", selector);
	const char *paths[] = { pd, pp };
	snprintf(what, sizeof(what), "deployment '%s/%s' did not roll out", ns, name);
	int rc = kwait(k, paths, 2, ic_rollout_judge, NULL, ROLLOUT_TIMEOUT_S, what);
	free(field);
	free(pd);
	free(pp);
	free(base_d);
	free(base_p);
	return rc;
}

int ic_wait_ns_gone(struct kube *k, const char *ns)
{
	char what[300];

	snprintf(what, sizeof(what), "namespace '%s' was not deleted", ns);
	return kwait_gone(k, "v1", "Namespace", NULL, ns, GONE_TIMEOUT_S, what);
}

int ic_settle_ns(struct kube *k, const char *ns)
{
	char *path = kobj_path("v1", "Namespace", NULL, ns), what[300];
	jv obj;
	int rc;

	snprintf(what, sizeof(what), "namespace '%s'", ns);
	rc = kobj_get(k, path, what, &obj);
	free(path);
	if (rc <= 0)
		return rc;
	int del = kobj_deleting(obj) && kobj_owned(obj);
	jv_free(obj);
	return del ? ic_wait_ns_gone(k, ns) : 0;
}

static int uid_in(jv uids, const char *uid)
{
	int n = jv_array_length(jv_copy(uids));

	for (int i = 0; i < n; i++) {
		jv u = jv_array_get(jv_copy(uids), i);
		int same = jv_get_kind(u) == JV_KIND_STRING && strcmp(jv_string_value(u), uid) == 0;
		jv_free(u);
		if (same)
			return 1;
	}
	return 0;
}

/* The newest Ready pod whose uid is not one of the old ones. */
static int pick_cond(const jv *objs, void *ud, struct sbuf *why)
{
	struct ic_pick *pk = ud;
	int n = jv_array_length(jv_copy(objs[0]));
	char uid[128];

	pk->name[0] = '\0';
	for (int i = n - 1; i >= 0; i--) {
		jv pod = jv_array_get(jv_copy(objs[0]), i);
		kobj_str(pod, "metadata", "uid", uid, sizeof(uid));
		if (!uid_in(pk->old_uids, uid) && pod_ready(pod)) {
			kobj_str(pod, "metadata", "name", pk->name, sizeof(pk->name));
			jv_free(pod);
			return 1;
		}
		jv_free(pod);
	}
	for (int i = n - 1; i >= 0; i--) {
		jv pod = jv_array_get(jv_copy(objs[0]), i);
		kobj_str(pod, "metadata", "uid", uid, sizeof(uid));
		if (!uid_in(pk->old_uids, uid) && !kobj_deleting(pod)) {
			int bad = pod_trouble(pod, why);
			jv_free(pod);
			return bad ? -1 : 0;
		}
		jv_free(pod);
	}
	sbuf_add(why, "no new pod yet");
	return 0;
}

int ic_wait_pod(struct kube *k, const char *ns, const char *selector, struct ic_pick *pk, const char *what)
{
	char *base = kobj_list_path("v1", "Pod", ns), *path = kwait_selector(base, "labelSelector", selector);
	const char *paths[] = { path };
	int rc = kwait(k, paths, 1, pick_cond, pk, POD_TIMEOUT_S, what);

	free(path);
	free(base);
	return rc;
}

