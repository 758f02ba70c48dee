/* Prometheus and controller arms inside a cluster (kind or existing): the verbs. Manifests are
   applied (apply.c), waits are by watch (incluster_wait.c), Prometheus is reached through a
   port-forward (incluster_forward.c), logs are read from the API. */
#include "incluster.h"
#include "apply.h"
#include "fsio.h"
#include "jsonf.h"
#include "kobj.h"
#include "kwait.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_RBAC "loadtest-prometheus"

/* ---- the manifests and the cluster ---- */

char *manifest_file(const char *file)
{
	const char *env = getenv("LOADTEST_MANIFESTS");
	char *rel = fs_join("manifests", file), *p;

	if (env && *env) {
		free(rel);
		return fs_join(env, file);
	}
	/* bin/kindctl or build/san/bin/kindctl: the tree's manifests/ folder, upward. */
	p = tree_file(rel);
	if (p == NULL)
		return rel;
	free(rel);
	return p;
}

static char *read_manifest(const char *file, char **path, size_t *len)
{
	char *text;

	*path = manifest_file(file);
	text = fs_read(*path, len);
	if (text == NULL)
		errorf("cannot read manifest '%s': %s (set LOADTEST_MANIFESTS to the manifests/ folder)", *path,
		       fs_strerror(errno));
	return text;
}

int ic_open(struct kconn *c, const struct access *a)
{
	return kconn_open(c, a->kubeconfig, a->context);
}

/* ---- Prometheus ---- */

int ic_prometheus_start(const struct kopts *o, const struct access *a)
{
	long port = o->port ? o->port : 9091 + o->port_offset;
	struct kconn c;
	char *path = NULL, *text;
	size_t len;
	int rc = EXIT_FAILED;

	text = read_manifest("prometheus.yaml", &path, &len);
	if (text == NULL)
		goto out;
	if (ic_open(&c, a) < 0)
		goto out;
	if (ic_settle_ns(c.k, PROM_NS) == 0 && apply_manifest(c.k, path, text, len, APPLY_OWNED) == 0 &&
	    ic_wait_rollout(c.k, PROM_NS, PROM_NAME, "app=" PROM_NAME) == 0)
		rc = 0;
	kconn_close(&c);
	if (rc == 0)
		rc = ic_port_forward(o, a, port);
out:
	free(text);
	free(path);
	return rc;
}

/* Delete a namespace and a ClusterRole/ClusterRoleBinding pair, ours only, and wait. */
static int remove_set(struct kube *k, const char *ns, const char *rbac)
{
	char *nsp = kobj_path("v1", "Namespace", NULL, ns);
	char *crb = kobj_path("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", NULL, rbac);
	char *cr = kobj_path("rbac.authorization.k8s.io/v1", "ClusterRole", NULL, rbac);
	char w1[300], w2[300], w3[300];
	int rc = 0;

	snprintf(w1, sizeof(w1), "namespace '%s'", ns);
	snprintf(w2, sizeof(w2), "ClusterRoleBinding '%s'", rbac);
	snprintf(w3, sizeof(w3), "ClusterRole '%s'", rbac);
	if (kobj_delete(k, nsp, w1, 1) < 0)
		rc = -1;
	else if (ic_wait_ns_gone(k, ns) < 0)
		rc = -1;
	if (kobj_delete(k, crb, w2, 1) < 0)
		rc = -1;
	if (kobj_delete(k, cr, w3, 1) < 0)
		rc = -1;
	free(nsp);
	free(crb);
	free(cr);
	return rc;
}

int ic_prometheus_stop(const struct kopts *o, const struct access *a, int remove)
{
	char *pidfile = ic_forward_pidfile(o);
	int rc = pid_stop(pidfile, 5000) < 0 ? EXIT_FAILED : 0;
	struct kconn c;

	free(pidfile);
	if (remove) {
		if (ic_open(&c, a) < 0)
			return EXIT_FAILED;
		if (remove_set(c.k, PROM_NS, PROM_RBAC) < 0)
			rc = EXIT_FAILED;
		kconn_close(&c);
	}
	return rc;
}

/* ---- arms ---- */

struct arm_names {
	char ns[64], label[80], rbac[64];
};

static void arm_names(const char *arm, struct arm_names *n)
{
	snprintf(n->ns, sizeof(n->ns), "reloader-%s", arm);
	snprintf(n->label, sizeof(n->label), "app=reloader-%s", arm);
	snprintf(n->rbac, sizeof(n->rbac), "loadtest-reloader-%s", arm);
}

int ic_arm_start(const struct kopts *o, const struct access *a)
{
	struct arm_names nm;
	struct kconn c;
	char *path = NULL, *tmpl, *text = NULL, name[1200], what[200];
	size_t len;
	int rc = EXIT_FAILED;

	arm_names(o->arm, &nm);
	if (!image_usable(o->image))
		return EXIT_TROUBLE;
	tmpl = read_manifest("reloader-arm.yaml", &path, &len);
	if (tmpl == NULL)
		goto out;
	text = arm_manifest(tmpl, o->arm, o->image, o->args, o->nargs);
	if (text == NULL) {
		rc = EXIT_TROUBLE;
		goto out;
	}
	if (ic_open(&c, a) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s (arm %s)", path, o->arm);
	snprintf(what, sizeof(what), "the %s arm's pod did not become Ready", o->arm);
	struct ic_pick pk = { jv_array(), "" };
	if (ic_settle_ns(c.k, nm.ns) == 0 && apply_manifest(c.k, name, text, strlen(text), APPLY_OWNED) == 0 &&
	    ic_wait_rollout(c.k, nm.ns, "reloader", nm.label) == 0 && ic_wait_pod(c.k, nm.ns, nm.label, &pk, what) == 0) {
		printf("%s\n", pk.name);
		rc = 0;
	}
	jv_free(pk.old_uids);
	kconn_close(&c);
out:
	free(tmpl);
	free(text);
	free(path);
	return rc;
}

/* The pods of an arm, oldest first (a JSON array), or jv_invalid() after printing why. */
static jv arm_pods(struct kube *k, const struct arm_names *nm)
{
	char *base = kobj_list_path("v1", "Pod", nm->ns), *path = kwait_selector(base, "labelSelector", nm->label);
	struct kube_result r;
	char why[512];
	jv items = jv_invalid();

	kube_call(k, "GET", path, NULL, NULL, &r);
	if (r.code == CURLE_OK && r.status == 200)
		items = json_get(r.json, "items");
	if (jv_get_kind(items) != JV_KIND_ARRAY) {
		kube_why(&r, why, sizeof(why));
		errorf("cannot list the pods of namespace '%s': %s", nm->ns, why);
		jv_free(items);
		items = jv_invalid();
	} else {
		items = kobj_by_creation(items);
	}
	kube_result_free(&r);
	free(path);
	free(base);
	return items;
}

/* GET one container's log into sb; 0, or -1 after a warning. */
static int one_log(struct kube *k, const char *ns, const char *pod, const char *container, int previous,
		   struct sbuf *sb)
{
	char *path = NULL, why[512];
	struct kube_result r;
	int rc = 0;

	path = xasprintf("/api/v1/namespaces/%s/pods/%s/log?container=%s%s", ns, pod, container,
			 previous ? "&previous=true" : "");
	/* A long-running controller may have written a lot: no whole-request limit here. */
	kube_set_timeouts(k, 0, 600000);
	kube_call(k, "GET", path, NULL, NULL, &r);
	if (r.code == CURLE_OK && r.status == 200) {
		sbuf_addn(sb, r.body, r.body_len);
		if (r.body_len > 0 && r.body[r.body_len - 1] != '\n')
			sbuf_add(sb, "\n");
	} else {
		kube_why(&r, why, sizeof(why));
		warnf("cannot read the %slog of pod '%s/%s': %s", previous ? "previous " : "", ns, pod, why);
		rc = -1;
	}
	kube_set_timeouts(k, 0, 30000);
	kube_result_free(&r);
	free(path);
	return rc;
}

/* Every container log of every pod of the arm, oldest pod first, into file (atomically). */
static void collect_logs(struct kube *k, const struct arm_names *nm, jv pods, const char *file)
{
	struct sbuf sb = SBUF_INIT;
	int n = jv_array_length(jv_copy(pods)), got = 0;
	char pod[256];

	for (int i = 0; i < n; i++) {
		jv p = jv_array_get(jv_copy(pods), i);
		jv cs = kobj_field(p, "status", "containerStatuses");
		int nc = jv_get_kind(cs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(cs)) : 0;
		kobj_str(p, "metadata", "name", pod, sizeof(pod));
		for (int j = 0; j < nc; j++) {
			jv c = jv_array_get(jv_copy(cs), j);
			const char *cname = json_str(c, "name");
			double restarts = 0;
			json_num(c, "restartCount", &restarts);
			if (cname != NULL) {
				/* A container that restarted: its earlier run's log comes first. */
				if (restarts > 0)
					got += one_log(k, nm->ns, pod, cname, 1, &sb) == 0;
				got += one_log(k, nm->ns, pod, cname, 0, &sb) == 0;
			}
			jv_free(c);
		}
		jv_free(cs);
		jv_free(p);
	}
	if (got > 0)
		fs_write_atomic(file, sb.buf ? sb.buf : "", sb.len);
	else
		warnf("no log to write to '%s': namespace '%s' has no pod whose log could be read", file, nm->ns);
	sbuf_free(&sb);
}

int ic_arm_stop(const struct kopts *o, const struct access *a)
{
	struct arm_names nm;
	struct kconn c;
	int rc = 0;

	arm_names(o->arm, &nm);
	if (ic_open(&c, a) < 0)
		return EXIT_FAILED;
	if (o->log) {
		jv pods = arm_pods(c.k, &nm);
		if (jv_is_valid(pods))
			collect_logs(c.k, &nm, pods, o->log);
		jv_free(pods);
	}
	if (remove_set(c.k, nm.ns, nm.rbac) < 0)
		rc = EXIT_FAILED;
	kconn_close(&c);
	return rc;
}

int ic_arm_restart(const struct kopts *o, const struct access *a)
{
	struct arm_names nm;
	struct kconn c;
	struct ic_pick pk = { jv_array(), "" };
	char uid[128], pod[256], what[400];
	int rc = EXIT_FAILED, n, alive = 0;

	arm_names(o->arm, &nm);
	if (ic_open(&c, a) < 0) {
		jv_free(pk.old_uids);
		return EXIT_FAILED;
	}
	jv pods = arm_pods(c.k, &nm);
	if (!jv_is_valid(pods))
		goto out;
	n = jv_array_length(jv_copy(pods));
	/* Every pod there now is old, also one still starting: the new one comes after. */
	for (int i = 0; i < n; i++) {
		jv p = jv_array_get(jv_copy(pods), i);
		pk.old_uids = jv_array_append(pk.old_uids, jv_string(kobj_str(p, "metadata", "uid", uid, sizeof(uid))));
		alive += !kobj_deleting(p);
		jv_free(p);
	}
	if (alive == 0) {
		errorf("the %s arm has no pod to restart in namespace '%s'", o->arm, nm.ns);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		jv p = jv_array_get(jv_copy(pods), i);
		kobj_str(p, "metadata", "name", pod, sizeof(pod));
		int skip = kobj_deleting(p);
		jv_free(p);
		if (skip)
			continue;
		char *path = kobj_path("v1", "Pod", nm.ns, pod);
		snprintf(what, sizeof(what), "pod '%s/%s'", nm.ns, pod);
		int bad = path == NULL || kobj_delete(c.k, path, what, 0) < 0;
		free(path);
		if (bad)
			goto out;
	}
	snprintf(what, sizeof(what), "no new pod of the %s arm became Ready", o->arm);
	if (ic_wait_pod(c.k, nm.ns, nm.label, &pk, what) == 0)
		rc = 0;
out:
	jv_free(pods);
	jv_free(pk.old_uids);
	kconn_close(&c);
	return rc;
}
