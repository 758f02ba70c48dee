/*
 * The local provider: a real control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) with kwok's simulated nodes, run by kwokctl's binary runtime on 127.0.0.1;
 * the controller arms (local_arms.c) and Prometheus (local_prometheus.c) as host processes
 * recorded by pid. This file: the binaries, the cluster's life, the provider's table.
 */
#include "local.h"
#include "fsio.h"
#include "jsonf.h"
#include "kube.h"
#include "kubeconfig.h"
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- binaries built from the Go module proxy (tools/kindctl/build-binaries.sh) ---- */

/* Run build-binaries.sh with args; the paths it prints, one per line, into out. */
static int build(const struct kopts *o, const char *what, const char *version, struct sbuf *out)
{
	char *script = tree_file("tools/kindctl/build-binaries.sh");
	char *log = cluster_file(o, "build.log");
	char *outfile = cluster_file(o, "build.out");
	int rc;

	if (script == NULL) {
		free(log);
		free(outfile);
		return errorf("cannot find tools/kindctl/build-binaries.sh next to this kindctl");
	}
	/* Paths on stdout, messages in the log: run through bash with stdout to its own file. */
	char *argv[] = { "bash", "-c", "exec \"$0\" \"$@\" >\"$LOADTEST_BUILD_OUT\"", script, (char *)what,
			 (char *)version, NULL };
	setenv("LOADTEST_BUILD_OUT", outfile, 1);
	infof("building %s %s", what, version ? version : "");
	rc = run_logged(argv, NULL, log, 3 * 3600 * 1000);
	unsetenv("LOADTEST_BUILD_OUT");
	if (rc != 0) {
		if (rc > 0)
			errorf("building %s%s%s failed (see %s)", what, version ? " " : "", version ? version : "", log);
		rc = -1;
	} else {
		char *text = fs_read(outfile, NULL);
		if (text == NULL || *text == '\0')
			rc = errorf("building %s printed no path (see %s)", what, log);
		else
			sbuf_add(out, text);
		free(text);
	}
	unlink(outfile);
	free(script);
	free(log);
	free(outfile);
	return rc;
}

/* The line of `paths` ending in /name. */
static char *pick(const char *paths, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = paths; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > n && p[len - n - 1] == '/' && strncmp(p + len - n, name, n) == 0)
			return xstrndup(p, len);
		p += len + (e != NULL);
	}
	return NULL;
}

char *reloader_binary(const struct kopts *o, const char *image)
{
	if (strncmp(image, "bin:", 4) == 0) {
		const char *p = image + 4;
		if (*p != '/' || access(p, X_OK) != 0) {
			errorf("'%s': not an executable file (bin: needs an absolute path)", p);
			return NULL;
		}
		return xstrdup(p);
	}
	const char *prefixes[] = { "stakater/reloader:", "docker.io/stakater/reloader:",
				   "ghcr.io/stakater/reloader:", NULL };
	for (int i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(image, prefixes[i], n) != 0)
			continue;
		const char *v = image + n;
		/* A release tag only: it names a module version of the Go module proxy. */
		if (v[0] != 'v' || strspn(v + 1, "0123456789.") != strlen(v + 1) || strlen(v) < 6) {
			errorf("'%s': the local provider builds releases, tagged vX.Y.Z", image);
			return NULL;
		}
		struct sbuf out = SBUF_INIT;
		char *path = NULL;
		if (build(o, "reloader", v, &out) == 0)
			path = pick(sbuf_str(&out), "reloader");
		sbuf_free(&out);
		return path;
	}
	errorf("'%s': the local provider runs Reloader as a host process; name it "
	       "stakater/reloader:vX.Y.Z or bin:/path/to/reloader", image);
	return NULL;
}

/* ---- the cluster ---- */

static int kwokctl(const struct kopts *o, const char *kwokctl_bin, char **args)
{
	char *dir = cluster_dir(o), *work = fs_join(dir, "kwok"), *log = fs_join(dir, "kwokctl.log");
	char *wenv = xasprintf("KWOK_WORKDIR=%s", work);
	int rc;

	const char *changes[] = { wenv, NULL };
	char **env = env_build(changes);
	size_t n = 0;
	while (args[n])
		n++;
	char **argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = (char *)kwokctl_bin;
	memcpy(argv + 1, args, n * sizeof(*argv));
	rc = run_logged(argv, env, log, 300 * 1000);
	if (rc > 0)
		errorf("kwokctl %s failed with status %d (see %s)", args[0], rc, log);
	free(argv);
	env_free(env);
	free(wenv);
	free(work);
	free(log);
	free(dir);
	return rc == 0 ? 0 : -1;
}

static char *kwokctl_path(const struct kopts *o)
{
	struct sbuf out = SBUF_INIT;
	char *p = NULL;

	if (build(o, "kwok", NULL, &out) == 0)
		p = pick(sbuf_str(&out), "kwokctl");
	sbuf_free(&out);
	return p;
}

/* Count Ready nodes through the API server; -1 when it does not answer. */
static int ready_nodes(struct kube *k)
{
	struct kube_result res;
	int n = 0;

	if (kube_call(k, "GET", "/api/v1/nodes", NULL, NULL, &res) < 0 || res.status != 200) {
		kube_result_free(&res);
		return -1;
	}
	jv items = json_get(res.json, "items");
	int len = jv_get_kind(items) == JV_KIND_ARRAY ? jv_array_length(jv_copy(items)) : 0;
	for (int i = 0; i < len; i++) {
		jv node = jv_array_get(jv_copy(items), i), st = json_get(node, "status");
		jv conds = json_get(st, "conditions");
		int cl = jv_get_kind(conds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(conds)) : 0;
		for (int c = 0; c < cl; c++) {
			jv cond = jv_array_get(jv_copy(conds), c);
			const char *t = json_str(cond, "type"), *v = json_str(cond, "status");
			if (t && v && strcmp(t, "Ready") == 0 && strcmp(v, "True") == 0)
				n++;
			jv_free(cond);
		}
		jv_free(conds);
		jv_free(st);
		jv_free(node);
	}
	jv_free(items);
	kube_result_free(&res);
	return n;
}

static int wait_nodes(const struct kopts *o, const char *kubeconfig, long want, double timeout)
{
	struct kubeconfig cfg;
	double deadline = mono_now() + timeout;
	int n = -1;

	if (kubeconfig_load(&cfg, kubeconfig, NULL) < 0)
		return -1;
	struct kube *k = kube_new(&cfg, 4);
	if (k == NULL) {
		kubeconfig_free(&cfg);
		return -1;
	}
	kube_set_timeouts(k, 2000, 5000);
	while (mono_now() < deadline) {
		n = ready_nodes(k);
		if (n >= want)
			break;
		/* The condition is polled at a short interval until the deadline. */
		sleep_ms(200);
	}
	kube_free(k);
	kubeconfig_free(&cfg);
	if (n < want)
		return errorf("cluster '%s': %d of %ld nodes Ready after %.0f s", o->name, n < 0 ? 0 : n, want, timeout);
	return 0;
}

static int local_delete(const struct kopts *o);

/*
 * kwokctl picks its components' ports by looking for free ones, so two clusters made at
 * once (PARALLELISM, or two pipelines) can pick the same port. Cluster creation on this host
 * is one at a time: an exclusive lock on a host-wide file, held until kwokctl has started
 * every component (they hold their ports from then on). The descriptor, or -1 after
 * printing why.
 */
#define CREATE_LOCK "/tmp/reloader-loadtest-create.lock"
static int create_lock(double timeout_s)
{
	int fd = open(CREATE_LOCK, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
	double deadline = mono_now() + timeout_s;
	int said = 0;

	if (fd < 0)
		return errorf_errno("cannot open '%s'", CREATE_LOCK);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			errorf_errno("cannot lock '%s'", CREATE_LOCK);
			close(fd);
			return -1;
		}
		if (mono_now() > deadline) {
			errorf("another cluster has been in creation on this host for %.0f s (lock '%s')", timeout_s,
			       CREATE_LOCK);
			close(fd);
			return -1;
		}
		if (!said++)
			infof("waiting for another cluster's creation to finish (kwokctl picks ports one cluster at a time)");
		sleep_ms(200);
	}
	return fd;
}

/* The control plane's binaries, as build-binaries.sh printed their paths. */
struct cp_bins {
	char *etcd, *apiserver, *kcm, *sched, *kwok, *kwokctl;
};

static void cp_bins_free(struct cp_bins *b)
{
	free(b->etcd);
	free(b->apiserver);
	free(b->kcm);
	free(b->sched);
	free(b->kwok);
	free(b->kwokctl);
}

/* Build etcd, Kubernetes and kwok (or find them built in the cache); 0, or -1 after printing why. */
static int control_plane_binaries(const struct kopts *o, const char *dir, struct cp_bins *b)
{
	struct sbuf out = SBUF_INIT;
	int rc = -1;

	if (build(o, "etcd", NULL, &out) == 0 && build(o, "kubernetes", NULL, &out) == 0 &&
	    build(o, "kwok", NULL, &out) == 0) {
		b->etcd = pick(sbuf_str(&out), "etcd");
		b->apiserver = pick(sbuf_str(&out), "kube-apiserver");
		b->kcm = pick(sbuf_str(&out), "kube-controller-manager");
		b->sched = pick(sbuf_str(&out), "kube-scheduler");
		b->kwok = pick(sbuf_str(&out), "kwok");
		b->kwokctl = pick(sbuf_str(&out), "kwokctl");
		if (!b->etcd || !b->apiserver || !b->kcm || !b->sched || !b->kwok || !b->kwokctl)
			errorf("the build did not yield every control-plane binary (see %s/build.log)", dir);
		else
			rc = 0;
	}
	sbuf_free(&out);
	return rc;
}

/* Every component listens on 127.0.0.1 only. The controller manager and the scheduler talk to
   the API server at 200 requests/s (their default, 20, made 50 Deployments take 10 s to get
   ready: set-up time of the framework, not of the controller under test); the API server
   keeps its own limits. */
static const char kwokctl_config[] =
	"kind: KwokctlConfiguration\n"
	"apiVersion: config.kwok.x-k8s.io/v1alpha1\n"
	"options:\n"
	"  bindAddress: 127.0.0.1\n"
	"componentsPatches:\n"
	"- name: kube-controller-manager\n"
	"  extraArgs:\n"
	"  - { key: kube-api-qps, value: \"200\" }\n"
	"  - { key: kube-api-burst, value: \"400\" }\n"
	"- name: kube-scheduler\n"
	"  extraArgs:\n"
	"  - { key: kube-api-qps, value: \"200\" }\n"
	"  - { key: kube-api-burst, value: \"400\" }\n";

/* kwokctl create (one creation at a time on this host: create_lock), then its simulated
   nodes. 0, or -1 after printing why. */
static int kwokctl_create(const struct kopts *o, const struct cp_bins *b, const char *conf, const char *kc)
{
	char *create[] = { "create", "cluster", "--name", (char *)o->name, "--runtime", "binary",
			   "--config", (char *)conf, "--kubeconfig", (char *)kc,
			   "--etcd-binary", b->etcd, "--kube-apiserver-binary", b->apiserver,
			   "--kube-controller-manager-binary", b->kcm, "--kube-scheduler-binary", b->sched,
			   "--kwok-controller-binary", b->kwok, "--wait", "120s", NULL };
	char replicas[32];
	int lock = create_lock(600), created;

	if (lock < 0)
		return -1;
	created = kwokctl(o, b->kwokctl, create);
	close(lock);
	if (created < 0)
		return -1;
	snprintf(replicas, sizeof(replicas), "%ld", o->workers);
	char *scale[] = { "scale", "node", "--name", (char *)o->name, "--replicas", replicas, NULL };
	return o->workers > 0 && kwokctl(o, b->kwokctl, scale) < 0 ? -1 : 0;
}

/* cluster.env: what was made, and how long it took to get ready. */
static int write_cluster_env(const struct kopts *o, const char *dir, double t0)
{
	char info[256], *envfile = fs_join(dir, "cluster.env");
	int n = snprintf(info, sizeof(info), "provider=local\nnodes=%ld\nready_seconds=%.1f\n", o->workers,
			 mono_now() - t0);
	int rc = fs_write_atomic(envfile, info, (size_t)n);

	free(envfile);
	return rc;
}

static int local_create(const struct kopts *o)
{
	char *dir = cluster_dir(o), *kc = fs_join(dir, "kubeconfig"), *conf = fs_join(dir, "kwokctl.yaml");
	struct cp_bins b = { 0 };
	int rc = EXIT_FAILED;
	double t0 = mono_now();

	/* An existing cluster of that name is replaced, as kind does. */
	if (fs_is_dir(dir) && local_delete(o) != 0)
		goto out;
	if (fs_mkdirs(dir) < 0 || control_plane_binaries(o, dir, &b) < 0 ||
	    fs_write_atomic(conf, kwokctl_config, sizeof(kwokctl_config) - 1) < 0 ||
	    kwokctl_create(o, &b, conf, kc) < 0 || wait_nodes(o, kc, o->workers, 120) < 0 ||
	    write_cluster_env(o, dir, t0) < 0)
		goto out;
	infof("cluster '%s' ready in %.1f s", o->name, mono_now() - t0);
	printf("%s\n", kc);
	rc = 0;
out:
	/* A cluster that did not come up whole is not left running (its logs go with it: the
	   message above already named what failed). */
	if (rc != 0) {
		char *kwokdir = xasprintf("%s/kwok/clusters/%s", dir, o->name);
		if (fs_is_dir(kwokdir))
			local_delete(o);
		free(kwokdir);
	}
	cp_bins_free(&b);
	free(conf);
	free(kc);
	free(dir);
	return rc;
}

/* ---- stopping: arms, Prometheus, and every control-plane process, by pid ---- */

/* The control-plane processes kwok records in its cluster folder, as pids/NAME.pid. */
static const char *const kwok_components[] = { "kube-apiserver", "kube-controller-manager", "kube-scheduler",
					       "kwok-controller", "etcd" };
#define KWOK_COMPONENTS (sizeof(kwok_components) / sizeof(kwok_components[0]))

/* Whether process pid runs from kwokdir (its binary is a copy there), so that a pid reused by
   another program is never stopped. */
static int runs_from(int pid, const char *kwokdir)
{
	char cmd[4096];

	/* The binary's path, the command line's first string, names the folder. */
	return proc_file_read(pid, "cmdline", cmd, sizeof(cmd)) > 0 && strstr(cmd, kwokdir) != NULL;
}

/*
 * The pids kwok recorded of its components that run from kwokdir now, into pids (0: none).
 * Read before kwokctl delete, which removes the files with the folder: whatever it leaves
 * running is stopped by these afterwards.
 */
static void read_kwok_pids(const char *kwokdir, int pids[KWOK_COMPONENTS])
{
	for (size_t i = 0; i < KWOK_COMPONENTS; i++) {
		char *file = xasprintf("%s/pids/%s.pid", kwokdir, kwok_components[i]), *text = fs_read(file, NULL);
		pids[i] = text ? atoi(text) : 0;
		if (pids[i] <= 1 || !runs_from(pids[i], kwokdir))
			pids[i] = 0;
		free(text);
		free(file);
	}
}

/* Stop, by their pids, the components kwokctl left running (SIGTERM, then SIGKILL after 10 s);
   1 when there were any. */
static int stop_kwok_leftovers(const char *kwokdir, const int pids[KWOK_COMPONENTS])
{
	int rc = 0;

	for (size_t i = 0; i < KWOK_COMPONENTS; i++) {
		int pid = pids[i];
		if (pid == 0 || !runs_from(pid, kwokdir))
			continue;	/* gone, or the pid was reused by another program */
		kill(pid, SIGTERM);
		/* Gone once it no longer runs from there: exited (a zombie has no command line) or
		   its pid taken by another program, which is not to be killed. */
		double deadline = mono_now() + 10;
		while (runs_from(pid, kwokdir) && mono_now() < deadline)
			sleep_ms(20);
		if (runs_from(pid, kwokdir))
			kill(pid, SIGKILL);
		infof("stopped %s (pid %d) that kwokctl left running", kwok_components[i], pid);
		rc = 1;
	}
	return rc;
}

int stop_pidfile(const struct kopts *o, const char *file)
{
	char *p = cluster_file(o, file);
	int rc = pid_stop(p, 10000);

	free(p);
	return rc;
}

static int local_delete(const struct kopts *o)
{
	char *dir = cluster_dir(o), *kwokdir = NULL;
	int rc = 0;

	if (!fs_is_dir(dir)) {
		free(dir);
		errorf("no local cluster named '%s'", o->name);
		return EXIT_FAILED;
	}
	/* Each one is stopped, whatever happened to the others. */
	if (stop_pidfile(o, "arm-old.pid") < 0)
		rc = EXIT_FAILED;
	if (stop_pidfile(o, "arm-new.pid") < 0)
		rc = EXIT_FAILED;
	if (stop_pidfile(o, "arm-old-proxy.pid") < 0 || stop_pidfile(o, "arm-new-proxy.pid") < 0)
		rc = EXIT_FAILED;
	if (stop_pidfile(o, "arm-old-bridge.pid") < 0 || stop_pidfile(o, "arm-new-bridge.pid") < 0)
		rc = EXIT_FAILED;
	if (stop_pidfile(o, "prometheus.pid") < 0)
		rc = EXIT_FAILED;
	kwokdir = xasprintf("%s/kwok/clusters/%s", dir, o->name);
	if (fs_is_dir(kwokdir)) {
		char *bin = kwokctl_path(o);
		char *del[] = { "delete", "cluster", "--name", (char *)o->name, NULL };
		int pids[KWOK_COMPONENTS];
		read_kwok_pids(kwokdir, pids);
		if (bin == NULL || kwokctl(o, bin, del) < 0)
			warnf("kwokctl could not delete '%s': stopping its processes by their recorded pids", o->name);
		stop_kwok_leftovers(kwokdir, pids);
		free(bin);
	}
	if (rc == 0 && rm_tree(dir) < 0)
		rc = EXIT_FAILED;
	free(kwokdir);
	free(dir);
	return rc;
}

static int local_exists(const struct kopts *o)
{
	char *kc = cluster_file(o, "kubeconfig");
	struct kubeconfig cfg;
	int rc = EXIT_FAILED;

	if (fs_is_file(kc) && kubeconfig_load(&cfg, kc, NULL) == 0) {
		struct kube *k = kube_new(&cfg, 1);
		if (k) {
			struct kube_result res;
			kube_set_timeouts(k, 2000, 5000);
			if (kube_call(k, "GET", "/version", NULL, NULL, &res) == 0 && res.status == 200)
				rc = 0;
			kube_result_free(&res);
			kube_free(k);
		}
		kubeconfig_free(&cfg);
	}
	free(kc);
	return rc;
}

static int local_kubeconfig(const struct kopts *o)
{
	char *kc = cluster_file(o, "kubeconfig");
	int rc = 0;

	if (fs_is_file(kc))
		printf("%s\n", kc);
	else
		rc = (errorf("no local cluster named '%s' (no %s)", o->name, kc), EXIT_FAILED);
	free(kc);
	return rc;
}

static int local_load_image(const struct kopts *o)
{
	for (int i = 0; i < o->nrest; i++) {
		char *bin = reloader_binary(o, o->rest[i]);
		if (bin == NULL)
			return EXIT_FAILED;
		printf("%s\n", bin);
		free(bin);
	}
	return 0;
}


const struct provider provider_local = {
	.name = "local",
	.create = local_create,
	.delete_ = local_delete,
	.exists = local_exists,
	.kubeconfig = local_kubeconfig,
	.load_image = local_load_image,
	.prometheus_start = local_prometheus_start,
	.prometheus_stop = local_prometheus_stop,
	.arm_start = local_arm_start,
	.arm_stop = local_arm_stop,
	.arm_restart = local_arm_restart,
	.arm_metrics_url = local_arm_metrics_url,
	.arm_status = local_arm_status,
};
