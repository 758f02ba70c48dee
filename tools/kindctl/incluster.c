/* Prometheus and controller arms inside a cluster (kind or existing): manifests applied, waits by watch. */
#include "incluster.h"
#include "apply.h"
#include "kobj.h"
#include "fsio.h"
#include "http.h"
#include "jsonf.h"
#include "kwait.h"
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROLLOUT_TIMEOUT_S 300.0
#define POD_TIMEOUT_S 180.0
#define GONE_TIMEOUT_S 300.0
#define FORWARD_TIMEOUT_S 60.0
#define PROM_NS "monitoring"
#define PROM_NAME "prometheus"
#define PROM_RBAC "loadtest-prometheus"

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

/* ---- finding things ---- */

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
		       strerror(errno));
	return text;
}

static int open_access(struct kconn *c, const struct access *a)
{
	return kconn_open(c, a->kubeconfig, a->context);
}

/* ---- the arm template ---- */

int image_name_ok(const char *image)
{
	size_t n = strlen(image);

	if (n == 0 || n > 512 || image[0] == '-' || strncmp(image, "bin:", 4) == 0)
		return 0;
	for (const char *p = image; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._/:@-", *p)))
			return 0;
	return 1;
}

int image_usable(const char *image)
{
	if (image_name_ok(image))
		return 1;
	errorf("'%s' is not a container image name kindctl can use (letters, digits, '._/:@-'; "
	       "bin: images are for the local provider)", image);
	return 0;
}

/* One UTF-8 sequence at s: its code point and length, or length 0 when it is not valid. */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
	size_t len;
	unsigned long c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * A JSON string, which YAML reads as a double-quoted scalar: quotes, backslashes and every
 * character YAML will not take raw (controls, C1, line and paragraph separators, BOM)
 * escaped. -1 when s is not valid UTF-8.
 */
static int json_quote(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sbuf_add(sb, "\"");
	while (*p) {
		unsigned long c;
		size_t len = utf8_next(p, &c);
		if (len == 0)
			return -1;
		if (c == '"' || c == '\\')
			sbuf_addf(sb, "\\%c", (int)c);
		else if (c == '\n')
			sbuf_add(sb, "\\n");
		else if (c == '\t')
			sbuf_add(sb, "\\t");
		else if (c == '\r')
			sbuf_add(sb, "\\r");
		else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0xFEFF)
			sbuf_addf(sb, "\\u%04lX", c);
		else
			sbuf_addn(sb, (const char *)p, len);
		p += len;
	}
	sbuf_add(sb, "\"");
	return 0;
}

char *arm_manifest(const char *tmpl, const char *arm, const char *image, const char *const *args, size_t nargs)
{
	struct sbuf lines = SBUF_INIT, out = SBUF_INIT;

	if (!image_usable(image))
		return NULL;
	for (size_t i = 0; i < nargs; i++) {
		sbuf_add(&lines, "            - ");
		if (json_quote(&lines, args[i]) < 0) {
			sbuf_free(&lines);
			errorf("controller argument %zu is not valid UTF-8", i + 1);
			return NULL;
		}
		sbuf_add(&lines, "\n");
	}
	const char *keys[] = { "ARM", "IMAGE" };
	const char *values[] = { arm, image };
	char *filled = template_fill(tmpl, keys, values, 2);
	/*
	 * @ARGS@ is replaced only where it is a line of its own: the template names it in a
	 * comment too, where lines would break out of the comment. After @ARM@ and @IMAGE@, so
	 * that an argument holding those words is passed on as it is.
	 */
	for (const char *p = filled; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, "@ARGS@", 6) == 0 && (p[6] == '\n' || p[6] == '\0'))
			sbuf_add(&out, sbuf_str(&lines));
		else
			sbuf_addn(&out, p, n);
		p += n;
	}
	free(filled);
	sbuf_free(&lines);
	return sbuf_detach(&out);
}

/* ---- waits ---- */

int ic_answers(const struct access *a)
{
	struct kconn c;
	struct kube_result r;
	char why[512];
	int rc = 0;

	if (open_access(&c, a) < 0)
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

	if (open_access(&c, a) < 0)
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

static int wait_rollout(struct kube *k, const char *ns, const char *name, const char *selector)
{
	char *base_d = kobj_list_path("apps/v1", "Deployment", ns), *base_p = kobj_list_path("v1", "Pod", ns);
	char *pd = NULL, *pp = kwait_selector(base_p, "labelSelector", selector), what[512];
	char *field = NULL;

	field = xasprintf("metadata.name=%s", name);
	pd = kwait_selector(base_d, "fieldSelector", field);
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

/* Wait until namespace ns no longer exists. */
static int wait_ns_gone(struct kube *k, const char *ns)
{
	char what[300];

	snprintf(what, sizeof(what), "namespace '%s' was not deleted", ns);
	return kwait_gone(k, "v1", "Namespace", NULL, ns, GONE_TIMEOUT_S, what);
}

/* A namespace of ours that is still being deleted (an earlier stop) must be gone before we
   apply into it again. */
static int settle_ns(struct kube *k, const char *ns)
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
	return del ? wait_ns_gone(k, ns) : 0;
}

struct pick {
	jv old_uids;		/* array of uids that do not count */
	char name[256];
};

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
	struct pick *pk = ud;
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

static int wait_pod(struct kube *k, const char *ns, const char *selector, struct pick *pk, const char *what)
{
	char *base = kobj_list_path("v1", "Pod", ns), *path = kwait_selector(base, "labelSelector", selector);
	const char *paths[] = { path };
	int rc = kwait(k, paths, 1, pick_cond, pk, POD_TIMEOUT_S, what);

	free(path);
	free(base);
	return rc;
}

/* ---- Prometheus ---- */

static char *forward_pidfile(const struct kopts *o)
{
	return cluster_file(o, "prometheus-port-forward.pid");
}

/* The last non-empty line of a file, for a message; "" when there is none. */
static void last_line(const char *path, char *buf, size_t size)
{
	size_t len;
	char *text = fs_read(path, &len);

	buf[0] = '\0';
	if (text == NULL)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	char *nl = strrchr(text, '\n');
	snprintf(buf, size, "%.300s", nl ? nl + 1 : text);
	free(text);
}

/*
 * Mark every descriptor from 3 up close-on-exec: bg_start hands a child all that are not,
 * and a long-lived port-forward holding its caller's pipes or lock files would keep a
 * pipeline waiting, or a lock taken, after we are gone.
 */
static void cloexec_all(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), fl;
		if (fd >= 3 && fd != dirfd(d) && (fl = fcntl(fd, F_GETFD)) >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	closedir(d);
}

/* Our own child: TERM, then KILL after 5 s; reaped. */
static void stop_child(pid_t pid)
{
	double deadline = mono_now() + 5;

	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (mono_now() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		poll(NULL, 0, 20);
	}
}

static int port_forward(const struct kopts *o, const struct access *a, long port)
{
	char *dir = cluster_dir(o), *pidfile = forward_pidfile(o), *log = cluster_file(o, "prometheus-port-forward.log");
	char *kubectl = NULL, *envkc = NULL, **env = NULL, ports[32], url[64], ready[80], line[400];
	int rc = EXIT_FAILED, pid, st;

	snprintf(ports, sizeof(ports), "%ld:9090", port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
	snprintf(ready, sizeof(ready), "%s/-/ready", url);
	if (fs_mkdirs(dir) < 0)
		goto out;
	/* An earlier forward of ours goes first: it may hold the port. */
	if (pid_stop(pidfile, 5000) < 0)
		goto out;
	kubectl = find_on_path("kubectl");
	if (kubectl == NULL) {
		errorf("cannot run 'kubectl' for the Prometheus port-forward: not found on PATH");
		goto out;
	}
	char *argv[] = { kubectl, "port-forward", "--address", "127.0.0.1", "-n", PROM_NS, "svc/" PROM_NAME, ports,
			 a->context ? "--context" : NULL, (char *)a->context, NULL };
	/* Our environment, with KUBECONFIG set to the access's files when it names them. */
	envkc = a->kubeconfig ? xasprintf("KUBECONFIG=%s", a->kubeconfig) : NULL;
	const char *changes[] = { envkc, NULL };
	env = env_build(changes);
	fflush(stdout);
	cloexec_all();
	pid = bg_start(argv, env, log, pidfile);
	if (pid < 0)
		goto out;
	/* It is our child until we exit: whether it still runs, waitpid says best. */
	double deadline = mono_now() + FORWARD_TIMEOUT_S;
	int ok = 0, exited = 0;
	while (!ok && !exited && mono_now() < deadline) {
		exited = waitpid(pid, &st, WNOHANG) == pid;
		if (!exited)
			ok = wait_http_ok(ready, 1.0) == 0;
	}
	if (!ok) {
		if (!exited)
			stop_child(pid);
		unlink(pidfile);
		last_line(log, line, sizeof(line));
		errorf("Prometheus did not answer on %s through kubectl port-forward (%s)%s%s", url,
		       exited ? "it exited" : "timed out", *line ? ": " : "", line);
		goto out;
	}
	printf("%s\n", url);
	rc = 0;
out:
	free(dir);
	free(pidfile);
	free(log);
	free(kubectl);
	free(envkc);
	env_free(env);
	return rc;
}

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
	if (open_access(&c, a) < 0)
		goto out;
	if (settle_ns(c.k, PROM_NS) == 0 && apply_manifest(c.k, path, text, len, APPLY_OWNED) == 0 &&
	    wait_rollout(c.k, PROM_NS, PROM_NAME, "app=" PROM_NAME) == 0)
		rc = 0;
	kconn_close(&c);
	if (rc == 0)
		rc = port_forward(o, a, port);
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
	else if (wait_ns_gone(k, ns) < 0)
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
	char *pidfile = forward_pidfile(o);
	int rc = pid_stop(pidfile, 5000) < 0 ? EXIT_FAILED : 0;
	struct kconn c;

	free(pidfile);
	if (remove) {
		if (open_access(&c, a) < 0)
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
	if (open_access(&c, a) < 0)
		goto out;
	snprintf(name, sizeof(name), "%s (arm %s)", path, o->arm);
	snprintf(what, sizeof(what), "the %s arm's pod did not become Ready", o->arm);
	struct pick pk = { jv_array(), "" };
	if (settle_ns(c.k, nm.ns) == 0 && apply_manifest(c.k, name, text, strlen(text), APPLY_OWNED) == 0 &&
	    wait_rollout(c.k, nm.ns, "reloader", nm.label) == 0 && wait_pod(c.k, nm.ns, nm.label, &pk, what) == 0) {
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
	if (open_access(&c, a) < 0)
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
	struct pick pk = { jv_array(), "" };
	char uid[128], pod[256], what[400];
	int rc = EXIT_FAILED, n, alive = 0;

	arm_names(o->arm, &nm);
	if (open_access(&c, a) < 0) {
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
	if (wait_pod(c.k, nm.ns, nm.label, &pk, what) == 0)
		rc = 0;
out:
	jv_free(pods);
	jv_free(pk.old_uids);
	kconn_close(&c);
	return rc;
}
