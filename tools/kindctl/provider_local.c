/*
 * The local provider: a real control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) with kwok's simulated nodes, run by kwokctl's binary runtime on 127.0.0.1;
 * the controller arms and Prometheus as host processes recorded by pid.
 */
#include "kindctl.h"
#include "apiproxy.h"
#include "fsio.h"
#include "jsonf.h"
#include "kube.h"
#include "kubeconfig.h"
#include "netport.h"
#include "msg.h"
#include "num.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reloader serves /metrics on a fixed port in every v1 release. */
#define RELOADER_METRICS "http://127.0.0.1:9090/metrics"
#define RELOADER_METRICS_PORT 9090

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

/* stakater/reloader:vX.Y.Z -> built binary; bin:/path -> that file. malloc'd or NULL. */
static char *reloader_binary(const struct kopts *o, const char *image)
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

static int local_create(const struct kopts *o)
{
	char *dir = cluster_dir(o), *kc = fs_join(dir, "kubeconfig"), *conf = fs_join(dir, "kwokctl.yaml");
	struct sbuf out = SBUF_INIT;
	char *etcd = NULL, *apiserver = NULL, *kcm = NULL, *sched = NULL, *kwok = NULL, *kwokctl_bin = NULL;
	int rc = EXIT_FAILED;
	double t0 = mono_now();

	/* An existing cluster of that name is replaced, as kind does. */
	if (fs_is_dir(dir) && local_delete(o) != 0)
		goto out;
	if (fs_mkdirs(dir) < 0)
		goto out;
	if (build(o, "etcd", NULL, &out) < 0 || build(o, "kubernetes", NULL, &out) < 0 ||
	    build(o, "kwok", NULL, &out) < 0)
		goto out;
	etcd = pick(sbuf_str(&out), "etcd");
	apiserver = pick(sbuf_str(&out), "kube-apiserver");
	kcm = pick(sbuf_str(&out), "kube-controller-manager");
	sched = pick(sbuf_str(&out), "kube-scheduler");
	kwok = pick(sbuf_str(&out), "kwok");
	kwokctl_bin = pick(sbuf_str(&out), "kwokctl");
	if (!etcd || !apiserver || !kcm || !sched || !kwok || !kwokctl_bin) {
		errorf("the build did not yield every control-plane binary (see %s/build.log)", dir);
		goto out;
	}
	/* Every component listens on 127.0.0.1 only. The controller manager and the scheduler
	   talk to the API server at 200 requests/s (their default, 20, made 50 Deployments take
	   10 s to get ready: set-up time of the framework, not of the controller under test);
	   the API server keeps its own limits. */
	static const char config[] =
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
	if (fs_write_atomic(conf, config, sizeof(config) - 1) < 0)
		goto out;
	char *create[] = { "create", "cluster", "--name", (char *)o->name, "--runtime", "binary",
			   "--config", conf, "--kubeconfig", kc,
			   "--etcd-binary", etcd, "--kube-apiserver-binary", apiserver,
			   "--kube-controller-manager-binary", kcm, "--kube-scheduler-binary", sched,
			   "--kwok-controller-binary", kwok, "--wait", "120s", NULL };
	int lock = create_lock(600);
	if (lock < 0)
		goto out;
	int created = kwokctl(o, kwokctl_bin, create);
	close(lock);
	if (created < 0)
		goto out;
	char replicas[32];
	snprintf(replicas, sizeof(replicas), "%ld", o->workers);
	char *scale[] = { "scale", "node", "--name", (char *)o->name, "--replicas", replicas, NULL };
	if (o->workers > 0 && kwokctl(o, kwokctl_bin, scale) < 0)
		goto out;
	if (wait_nodes(o, kc, o->workers, 120) < 0)
		goto out;
	char info[256], *envfile = fs_join(dir, "cluster.env");
	int n = snprintf(info, sizeof(info), "provider=local\nnodes=%ld\nready_seconds=%.1f\n", o->workers,
			 mono_now() - t0);
	int wrc = fs_write_atomic(envfile, info, (size_t)n);
	free(envfile);
	if (wrc < 0)
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
	sbuf_free(&out);
	free(etcd);
	free(apiserver);
	free(kcm);
	free(sched);
	free(kwok);
	free(kwokctl_bin);
	free(conf);
	free(kc);
	free(dir);
	return rc;
}

/* ---- stopping: arms, Prometheus, and every control-plane process, by pid ---- */

/*
 * kwok records its components' pids in its cluster folder. Whatever kwokctl leaves running
 * is stopped here, by those pids, after checking that each process runs from this folder.
 */
static int stop_kwok_leftovers(const char *kwokdir)
{
	char *pids = fs_join(kwokdir, "pids");
	const char *names[] = { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller",
				"etcd", NULL };
	int rc = 0;

	for (int i = 0; names[i]; i++) {
		char file[512], proc[64], cmd[4096];
		snprintf(file, sizeof(file), "%s/%s.pid", pids, names[i]);
		char *text = fs_read(file, NULL);
		if (text == NULL)
			continue;
		int pid = atoi(text);
		free(text);
		if (pid <= 1)
			continue;
		snprintf(proc, sizeof(proc), "/proc/%d/cmdline", pid);
		FILE *f = fopen(proc, "r");
		if (f == NULL)
			continue;
		size_t n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		cmd[n] = '\0';
		if (strstr(cmd, kwokdir) == NULL)
			continue;	/* the pid was reused by another program */
		kill(pid, SIGTERM);
		double deadline = mono_now() + 10;
		while (kill(pid, 0) == 0 && mono_now() < deadline)
			sleep_ms(20);
		if (kill(pid, 0) == 0)
			kill(pid, SIGKILL);
		infof("stopped %s (pid %d) that kwokctl left running", names[i], pid);
		rc = 1;
	}
	free(pids);
	return rc;
}

static int stop_pidfile(const struct kopts *o, const char *file)
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
		if (bin == NULL || kwokctl(o, bin, del) < 0)
			warnf("kwokctl could not delete '%s': stopping its processes by their recorded pids", o->name);
		stop_kwok_leftovers(kwokdir);
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

/* ---- Prometheus: Debian's package, file-based discovery of the running arm ---- */

/*
 * The arm Prometheus scrapes: job reloader-ARM at addr (127.0.0.1:PORT), or none. Where arms
 * are isolated, Prometheus was given both arms' fixed ports once (static_targets): nothing to
 * change, and no wait for its discovery, which passes changes on every 5 s only.
 */
static int set_target(const struct kopts *o, const char *arm, const char *addr)
{
	char *file = cluster_file(o, "targets.json"), *fixed = cluster_file(o, "targets.static");
	char text[256];
	int rc, is_static = fs_is_file(fixed);

	free(fixed);
	if (is_static) {
		free(file);
		return 0;
	}

	if (arm)
		snprintf(text, sizeof(text), "[{\"targets\": [\"%s\"], \"labels\": {\"arm\": \"%s\"}}]\n", addr, arm);
	else
		snprintf(text, sizeof(text), "[]\n");
	rc = fs_write_atomic(file, text, strlen(text));
	free(file);
	return rc;
}

/* The first port from start on that is free now, or -1. */
static int free_port_from(int start)
{
	for (int p = start; p < start + 200 && p < 65536; p++)
		if (port_free(p))
			return p;
	return -1;
}

/*
 * Isolated arms get fixed host ports for their metrics, chosen here (1000 and 2000 above
 * Prometheus's, or the next free ones), recorded in arm-ARM.port and given to Prometheus
 * once, with targets.static saying so. Elsewhere nothing is done. 0, or -1 after printing why.
 */
static int static_targets(const struct kopts *o, long prom_port)
{
	char why[160], *fixed = cluster_file(o, "targets.static"), *targets = cluster_file(o, "targets.json");
	int rc = 0, ports[2];

	unlink(fixed);
	if (local_arms_isolated(why, sizeof(why))) {
		struct sbuf sb = SBUF_INIT;
		sbuf_add(&sb, "[");
		for (int a = 0; a < 2 && rc == 0; a++) {
			const char *arm = a ? "new" : "old";
			char name[32], line[16], *f;
			ports[a] = free_port_from((int)prom_port + 1000 * (a + 1));
			if (ports[a] < 0 || (a == 1 && ports[1] == ports[0])) {
				rc = errorf("no free port for the metrics of arm %s above %ld", arm, prom_port + 1000 * (a + 1));
				break;
			}
			snprintf(name, sizeof(name), "arm-%s.port", arm);
			f = cluster_file(o, name);
			int n = snprintf(line, sizeof(line), "%d\n", ports[a]);
			rc = fs_write_atomic(f, line, (size_t)n);
			free(f);
			sbuf_addf(&sb, "%s{\"targets\": [\"127.0.0.1:%d\"], \"labels\": {\"arm\": \"%s\"}}", a ? ", " : "",
				  ports[a], arm);
		}
		sbuf_add(&sb, "]\n");
		if (rc == 0 && fs_write_atomic(targets, sbuf_str(&sb), sb.len) == 0)
			rc = fs_write_atomic(fixed, "", 0);
		sbuf_free(&sb);
	}
	free(fixed);
	free(targets);
	return rc;
}

static int local_prometheus_start(const struct kopts *o)
{
	char *dir = cluster_dir(o), *conf = fs_join(dir, "prometheus.yml"), *data = fs_join(dir, "prometheus-data");
	char *targets = fs_join(dir, "targets.json"), *log = fs_join(dir, "prometheus.log");
	char *pidfile = fs_join(dir, "prometheus.pid"), *urlfile = fs_join(dir, "prometheus.url");
	long port = o->port ? o->port : 9091 + o->port_offset;
	char url[128], listen[64], cfgarg[4200], dataarg[4200], *text = NULL;
	int rc = EXIT_FAILED;

	if (!fs_is_dir(dir)) {
		errorf("no local cluster named '%s'", o->name);
		goto out;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
	if (pid_alive(pidfile, NULL)) {
		/* Already running: say where. */
		char *u = fs_read(urlfile, NULL);
		printf("%s\n", u ? strtok(u, "\n") : url);
		free(u);
		rc = 0;
		goto out;
	}
	/* Another Prometheus (another run's) on that port would answer in ours' place. Without
	   --port, the next free port above the default will do (another pipeline's cluster of
	   the same index may hold it). */
	for (long tries = 0; !port_free((int)port) && !o->port && tries < 100 && port < 65535; tries++)
		port++;
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
	char probe[160];
	snprintf(probe, sizeof(probe), "%s/-/ready", url);
	if (!port_free((int)port) || wait_http_ok(probe, 0.01) == 0) {
		errorf("port %ld already serves something (another Prometheus?): pick another with --port", port);
		goto out;
	}
	/* Scrape every 2 s; the job is the arm's: reloader-old or reloader-new. */
	text = xasprintf("global:\n"
			 "  scrape_interval: 2s\n"
			 "  evaluation_interval: 2s\n"
			 "scrape_configs:\n"
			 "  - job_name: reloader\n"
			 "    file_sd_configs:\n"
			 "      - files: ['%s']\n"
			 "        refresh_interval: 1s\n"
			 "    relabel_configs:\n"
			 "      - source_labels: [arm]\n"
			 "        target_label: job\n"
			 "        replacement: reloader-$1\n", targets);
	if (fs_write_atomic(conf, text, strlen(text)) < 0 || static_targets(o, port) < 0 ||
	    (!fs_is_file(targets) && set_target(o, NULL, NULL) < 0))
		goto out;
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%ld", port);
	snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", conf);
	snprintf(dataarg, sizeof(dataarg), "--storage.tsdb.path=%s", data);
	char *argv[] = { "/usr/bin/prometheus", cfgarg, dataarg, listen, "--storage.tsdb.retention.time=30d",
			 "--web.enable-lifecycle", NULL };
	if (access(argv[0], X_OK) != 0) {
		errorf("Prometheus is not installed (%s): apt-get install prometheus", argv[0]);
		goto out;
	}
	if (bg_start(argv, NULL, log, pidfile) < 0)
		goto out;
	char ready[160];
	snprintf(ready, sizeof(ready), "%s/-/ready", url);
	if (wait_http_ok(ready, 60) < 0) {
		errorf("Prometheus did not get ready on %s (see %s)", url, log);
		pid_stop(pidfile, 5000);
		goto out;
	}
	char line[160];
	int n = snprintf(line, sizeof(line), "%s\n", url);
	if (fs_write_atomic(urlfile, line, (size_t)n) < 0)
		goto out;
	printf("%s\n", url);
	rc = 0;
out:
	free(text);
	free(dir);
	free(conf);
	free(data);
	free(targets);
	free(log);
	free(pidfile);
	free(urlfile);
	return rc;
}

static int local_prometheus_stop(const struct kopts *o)
{
	return stop_pidfile(o, "prometheus.pid") < 0 ? EXIT_FAILED : 0;
}

/* ---- the injected API latency: a proxy of the arm's own (apiproxy.c) ---- */

/* state/clusters/<name>/arm-<arm><suffix>; malloc'd. */
static char *arm_file(const struct kopts *o, const char *suffix)
{
	char name[64];

	snprintf(name, sizeof(name), "arm-%s%s", o->arm, suffix);
	return cluster_file(o, name);
}

/* "https://127.x.x.x:PORT" -> "127.x.x.x:PORT" in buf; 0, or -1 for any other server. */
static int loopback_server(const char *server, char *buf, size_t size)
{
	const char *hp = server + strlen("https://");
	struct in_addr a;
	char host[64];
	unsigned port;
	int used = 0;

	if (strncmp(server, "https://", 8) != 0 || sscanf(hp, "%63[0-9.]:%5u%n", host, &port, &used) != 2 ||
	    hp[used] != '\0' || inet_pton(AF_INET, host, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127 ||
	    port == 0 || port > 65535)
		return -1;
	snprintf(buf, size, "%s:%u", host, port);
	return 0;
}

/*
 * The arm's kubeconfig: the cluster's, its one "server: URL" line pointing at the proxy.
 * Certificates and keys stay where the cluster's names them; the API server's certificate
 * holds 127.0.0.1 as an IP SAN, so TLS is verified through the proxy as it is without.
 */
static int point_kubeconfig(const char *kc, const char *server, int port, const char *out)
{
	size_t len = 0;
	char *text = fs_read(kc, &len), *line = NULL;
	int rc = -1;

	if (text == NULL)
		return errorf("cannot read '%s': %s", kc, fs_strerror(errno));
	line = xasprintf("server: %s", server);
	char *at = strstr(text, line), *end = at ? at + strlen(line) : NULL;
	if (at == NULL || strstr(end, line) != NULL || (*end != '\n' && *end != '\r' && *end != '\0')) {
		errorf("'%s': cannot point it at the API proxy: it has no single line '%s'", kc, line);
	} else {
		struct sbuf sb = SBUF_INIT;
		sbuf_addn(&sb, text, (size_t)(at - text));
		sbuf_addf(&sb, "server: https://127.0.0.1:%d", port);
		sbuf_add(&sb, end);
		rc = write_private_file(out, sbuf_str(&sb), sb.len);
		sbuf_free(&sb);
	}
	free(line);
	free(text);
	return rc;
}

/*
 * The cluster's API server as "127.x.x.x:PORT" into to, and its "server:" URL (malloc'd) into
 * *server: what an arm's proxy or bridge forwards to, on this host only (for names what).
 * 0, or -1 after printing why.
 */
static int cluster_api(const struct kopts *o, const char *what, char *to, size_t size, char **server)
{
	char *kc = cluster_file(o, "kubeconfig");
	struct kubeconfig cfg;
	int rc = -1;

	*server = NULL;
	if (kubeconfig_load(&cfg, kc, NULL) == 0) {
		if (loopback_server(cfg.server, to, size) < 0)
			errorf("'%s': the API server '%s' is not https://127.x.x.x:PORT: %s reaches this host's "
			       "loopback only", kc, cfg.server, what);
		else {
			*server = xstrdup(cfg.server);
			rc = 0;
		}
		kubeconfig_free(&cfg);
	}
	free(kc);
	return rc;
}

/* Stop a helper process of the arm (its pid in arm-ARM<pidsuffix>) and remove the arm's files
   named in files (suffixes, NULL-terminated). */
static int helper_stop(const struct kopts *o, const char *pidsuffix, const char *const *files)
{
	char *pidfile = arm_file(o, pidsuffix);
	int rc = pid_stop(pidfile, 5000);

	free(pidfile);
	for (int i = 0; files[i]; i++) {
		char *f = arm_file(o, files[i]);
		unlink(f);
		free(f);
	}
	return rc;
}

/* Stop the arm's proxy (by its recorded pid) and remove what pointed at it. */
static int proxy_stop(const struct kopts *o)
{
	static const char *const files[] = { "-proxy.port", ".kubeconfig", "-proxy.delay", NULL };

	return helper_stop(o, "-proxy.pid", files);
}

/* This kindctl's own binary, malloc'd (for the internal verbs it runs in the background), or
   NULL after printing why. */
static char *self_path(void)
{
	char *self = self_exe();

	if (self == NULL)
		errorf_errno("cannot find this kindctl's own binary");
	return self;
}

/* Poll for a port file that a background process of ours writes once it listens; the port, or
   -1 when it exits or 10 s pass. */
static int wait_port_file(const char *portfile, const char *pidfile)
{
	double deadline = mono_now() + 10;
	char *text = NULL;
	int port = -1;

	while ((text = fs_read(portfile, NULL)) == NULL && pid_alive(pidfile, NULL) && mono_now() < deadline)
		sleep_ms(10);
	long v;
	if (text) {
		text[strcspn(text, "\n")] = '\0';
		if (num_long(text, 1, 65535, &v) == NULL)
			port = (int)v;
	}
	free(text);
	return port;
}

/*
 * Start the arm's proxy: listening on a port of its choosing on 127.0.0.1, forwarding to the
 * cluster's API server, client-to-server bytes held delay ms. Writes the arm's kubeconfig and
 * the delay (for a restart). 0, or -1 after printing why, with nothing left running.
 */
static int proxy_start(const struct kopts *o, long delay)
{
	char *kc = cluster_file(o, "kubeconfig"), *pidfile = arm_file(o, "-proxy.pid");
	char *portfile = arm_file(o, "-proxy.port"), *log = arm_file(o, "-proxy.log");
	char *armkc = arm_file(o, ".kubeconfig"), *delayfile = arm_file(o, "-proxy.delay");
	char to[96], ms[32], *self = NULL, *server = NULL;
	int rc = -1, pid, port;

	if (proxy_stop(o) < 0 || cluster_api(o, "the API proxy", to, sizeof(to), &server) < 0 ||
	    (self = self_path()) == NULL)
		goto out;
	snprintf(ms, sizeof(ms), "%ld", delay);
	char *argv[] = { self, "api-proxy", "--listen", "127.0.0.1:0", "--to", to, "--delay", ms,
			 "--port-file", portfile, NULL };
	pid = bg_start(argv, NULL, log, pidfile);
	if (pid < 0)
		goto out;
	port = wait_port_file(portfile, pidfile);
	if (port < 0)
		errorf("the API proxy (pid %d) did not start listening (see %s)", pid, log);
	else if (point_kubeconfig(kc, server, port, armkc) == 0 &&
		 fs_write_atomic(delayfile, ms, strlen(ms)) == 0)
		rc = 0;
	if (rc < 0)
		proxy_stop(o);
out:
	free(self);
	free(server);
	free(kc);
	free(pidfile);
	free(portfile);
	free(log);
	free(armkc);
	free(delayfile);
	return rc;
}

/* The delay the arm's proxy was started with into *ms (-1: the arm has none); 0, or -1 after
   printing why. */
static int recorded_delay(const struct kopts *o, long *ms)
{
	char *file = arm_file(o, "-proxy.delay"), *text = fs_read(file, NULL);
	int rc = 0;

	*ms = -1;
	if (text && num_long(text, 0, LONG_MAX, ms) != NULL) {
		*ms = -1;
		rc = errorf("'%s' is damaged", file);
	}
	free(text);
	free(file);
	return rc;
}

static int proxy_running(const struct kopts *o)
{
	char *pidfile = arm_file(o, "-proxy.pid");
	int alive = pid_alive(pidfile, NULL);

	free(pidfile);
	return alive;
}

/* ---- controller arms ---- */

/* What an arm was started with, for a restart: one argv element per line, then the log. */
static int save_cmd(const struct kopts *o, char **argv, const char *log)
{
	char name[32], *file;
	struct sbuf sb = SBUF_INIT;
	int rc;

	snprintf(name, sizeof(name), "arm-%s.cmd", o->arm);
	file = cluster_file(o, name);
	sbuf_addf(&sb, "%s\n", log);
	for (int i = 0; argv[i]; i++)
		sbuf_addf(&sb, "%s\n", argv[i]);
	rc = fs_write_atomic(file, sbuf_str(&sb), sb.len);
	sbuf_free(&sb);
	free(file);
	return rc;
}

/* ---- network namespaces: each arm in one of its own, joined to the host by a bridge ---- */

/*
 * Whether arms run isolated: where this process may make network namespaces (root), unless
 * LOADTEST_NETNS=off asks for the shared host network. 1, or 0 with the reason in why.
 */
int local_arms_isolated(char *why, size_t size)
{
	const char *env = getenv("LOADTEST_NETNS");

	if (env && strcmp(env, "off") == 0) {
		snprintf(why, size, "LOADTEST_NETNS=off");
		return 0;
	}
	return netns_possible(why, size);
}

static int bridge_stop(const struct kopts *o)
{
	static const char *const files[] = { "-bridge.port", "-bridge.delay", NULL };

	return helper_stop(o, "-bridge.pid", files);
}

/*
 * Start the arm's bridge (apiproxy.h: armbridge_run): its own network namespace, where the
 * cluster's API server answers at its usual address (client-to-server bytes held delay ms, 0
 * for none) and from which the controller's metrics port is exposed on the host. Its pid is
 * in *pid (the namespace is /proc/PID/ns/net), its host port in *port. 0, or -1 after
 * printing why, with nothing left running.
 */
static int bridge_start(const struct kopts *o, long delay, int *pid, int *port)
{
	char *pidfile = arm_file(o, "-bridge.pid");
	char *portfile = arm_file(o, "-bridge.port"), *log = arm_file(o, "-bridge.log");
	char *delayfile = arm_file(o, "-bridge.delay");
	char to[96], ms[32], *self = NULL, *server = NULL;
	int rc = -1;

	if (bridge_stop(o) < 0 || cluster_api(o, "an arm's network namespace", to, sizeof(to), &server) < 0 ||
	    (self = self_path()) == NULL)
		goto out;
	snprintf(ms, sizeof(ms), "%ld", delay);
	/* The host port Prometheus was given for this arm, or any. */
	char listen[32], *fixedfile = arm_file(o, ".port"), *fixed = fs_read(fixedfile, NULL);
	long fixed_port = 0;
	if (fixed) {
		fixed[strcspn(fixed, "\n")] = '\0';
		if (num_long(fixed, 1, 65535, &fixed_port) != NULL)
			fixed_port = 0;
	}
	snprintf(listen, sizeof(listen), "127.0.0.1:%ld", fixed_port);
	free(fixed);
	free(fixedfile);
	char *argv[] = { self, "arm-bridge", "--listen", listen, "--to", to, "--delay", ms, "--port-file", portfile,
			 NULL };
	*pid = bg_start(argv, NULL, log, pidfile);
	if (*pid < 0)
		goto out;
	*port = wait_port_file(portfile, pidfile);
	if (*port < 0)
		errorf("the network namespace bridge of arm %s (pid %d) did not start (see %s)", o->arm, *pid, log);
	else if (fs_write_atomic(delayfile, ms, strlen(ms)) == 0)
		rc = 0;
	if (rc < 0)
		bridge_stop(o);
out:
	free(self);
	free(server);
	free(pidfile);
	free(portfile);
	free(log);
	free(delayfile);
	return rc;
}

/* The arm's bridge, running: 1 with its pid, host port and delay, else 0. */
static int bridge_running(const struct kopts *o, int *pid, int *port, long *delay)
{
	char *pidfile = arm_file(o, "-bridge.pid"), *portfile = arm_file(o, "-bridge.port");
	char *delayfile = arm_file(o, "-bridge.delay"), *text = fs_read(delayfile, NULL);
	int alive = pid_alive(pidfile, pid);

	*delay = -1;
	if (text && num_long(text, 0, 60000, delay) != NULL)
		*delay = -1;
	if (alive)
		*port = wait_port_file(portfile, pidfile);
	free(text);
	free(pidfile);
	free(portfile);
	free(delayfile);
	return alive && *port > 0 && *delay >= 0;
}

/*
 * Start the controller: argv with KUBECONFIG=kc, inside the network namespace of process
 * netns_pid (0: the host's), serving its metrics at metrics (the URL Prometheus and we reach
 * it at). Its pid, or -1 after printing why.
 */
static int start_arm_process(const struct kopts *o, char **argv, const char *log, const char *kc, int netns_pid,
			     const char *metrics)
{
	char name[32], *pidfile, *kcenv, **run = argv, *self = NULL, ns[64];
	int pid = -1;

	snprintf(name, sizeof(name), "arm-%s.pid", o->arm);
	pidfile = cluster_file(o, name);
	kcenv = xasprintf("KUBECONFIG=%s", kc);
	/* Into the namespace through ourselves: netns-exec enters it and execs the controller,
	   which keeps the pid recorded. */
	if (netns_pid > 0) {
		size_t n = 0;
		while (argv[n])
			n++;
		run = xcalloc(n + 6, sizeof(*run));
		if ((self = self_path()) == NULL)
			goto out;
		snprintf(ns, sizeof(ns), "/proc/%d/ns/net", netns_pid);
		run[0] = self;
		run[1] = "netns-exec";
		run[2] = "--netns";
		run[3] = ns;
		run[4] = "--";
		memcpy(run + 5, argv, (n + 1) * sizeof(*run));
	}
	/* The controller reads only its own kubeconfig: no namespace scoping, no HA. */
	const char *changes[] = { kcenv, "KUBERNETES_NAMESPACE=", NULL };
	char **env = env_build(changes);
	pid = bg_start(run, env, log, pidfile);
	env_free(env);
	if (pid > 0 && wait_http_ok(metrics, 60) < 0) {
		int alive = pid_alive(pidfile, NULL);
		errorf("the controller (pid %d) %s (see %s)", pid,
		       alive ? "does not serve its metrics after 60 s" : "exited", log);
		pid_stop(pidfile, 5000);
		pid = -1;
	}
out:
	if (run != argv)
		free(run);
	free(self);
	free(kcenv);
	free(pidfile);
	return pid;
}

static int arm_running(const struct kopts *o, const char *arm)
{
	char name[32], *p;

	snprintf(name, sizeof(name), "arm-%s.pid", arm);
	p = cluster_file(o, name);
	int alive = pid_alive(p, NULL);
	free(p);
	return alive;
}

/* Whether this arm may start: in a namespace of its own, unless it runs already; on the host's
   network, only when no arm runs and :9090 is free. 0, or -1 after printing why. */
static int may_start(const struct kopts *o, int isolated)
{
	if (isolated)
		return arm_running(o, o->arm) ? errorf("arm %s is running already: stop it first", o->arm) : 0;
	for (int a = 0; a < 2; a++) {
		const char *arm = a ? "new" : "old";
		if (arm_running(o, arm))
			return errorf("arm %s is running: Reloader's metrics port (9090) is fixed, so one arm runs "
				      "at a time on this host's network; stop it first", arm);
	}
	/* Reloader's metrics listener is fixed to :9090: a port taken there (the prometheus
	 * system service that Debian's package starts, say) would only show as a controller
	 * that "does not serve metrics" a minute later. */
	if (!port_free(RELOADER_METRICS_PORT)) {
		char who[128];
		if (port_holder(RELOADER_METRICS_PORT, who, sizeof(who)) == 0)
			return errorf("port %d, where Reloader serves its metrics, is held by %s: stop it first%s",
				      RELOADER_METRICS_PORT, who, strstr(who, "(prometheus)") ?
				      " (the prometheus system service: sudo systemctl disable --now prometheus)" : "");
		return errorf("port %d, where Reloader serves its metrics, is already in use: stop what listens there",
			      RELOADER_METRICS_PORT);
	}
	return 0;
}

/* Where the arm's metrics are reached from the host: 127.0.0.1:PORT into addr, the URL into
   url (recorded in arm-ARM.metrics, for kindctl arm-metrics-url). */
static int metrics_address(const struct kopts *o, int port, char *addr, size_t asize, char *url, size_t usize)
{
	char *file = arm_file(o, ".metrics");
	int rc;

	snprintf(addr, asize, "127.0.0.1:%d", port);
	snprintf(url, usize, "http://%s/metrics", addr);
	char line[96];
	int n = snprintf(line, sizeof(line), "%s\n", url);
	rc = fs_write_atomic(file, line, (size_t)n);
	free(file);
	return rc;
}

/*
 * The arm's way to the API server and its metrics: isolated, a bridge (with the delay); on
 * the host's network, the cluster's kubeconfig or, with a delay, a proxy and a kubeconfig of
 * its own. The kubeconfig to use into *kc (malloc'd), the namespace's pid into *nspid (0: the
 * host's), the metrics' host address and URL. 0, or -1 after printing why.
 */
static int arm_network(const struct kopts *o, int isolated, long delay, char **kc, int *nspid, char *addr,
		       size_t asize, char *url, size_t usize)
{
	int port = RELOADER_METRICS_PORT;

	*nspid = 0;
	*kc = NULL;
	if (isolated) {
		if (proxy_stop(o) < 0 || bridge_start(o, delay < 0 ? 0 : delay, nspid, &port) < 0)
			return -1;
		*kc = cluster_file(o, "kubeconfig");
	} else {
		/* With a delay, the controller reaches the API server through its own proxy;
		   without, a proxy left by an earlier start goes, lest a restart take it up. */
		if (bridge_stop(o) < 0 || (delay >= 0 ? proxy_start(o, delay) < 0 : proxy_stop(o) < 0))
			return -1;
		*kc = delay >= 0 ? arm_file(o, ".kubeconfig") : cluster_file(o, "kubeconfig");
	}
	return metrics_address(o, port, addr, asize, url, usize);
}

static int local_arm_start(const struct kopts *o)
{
	char *dir = cluster_dir(o), *bin = NULL, *deflog = NULL, *kc = NULL;
	char why[160], addr[32], url[96];
	int rc = EXIT_FAILED, nspid = 0, isolated = local_arms_isolated(why, sizeof(why));

	if (!fs_is_dir(dir)) {
		free(dir);
		return errorf("no local cluster named '%s'", o->name), EXIT_FAILED;
	}
	if (may_start(o, isolated) < 0)
		goto out;
	bin = reloader_binary(o, o->image);
	if (bin == NULL || arm_network(o, isolated, o->api_delay, &kc, &nspid, addr, sizeof(addr), url,
				       sizeof(url)) < 0)
		goto out;
	char **argv = xcalloc(o->nargs + 3, sizeof(*argv));
	argv[0] = bin;
	argv[1] = "--log-format=json";
	for (size_t i = 0; i < o->nargs; i++)
		argv[2 + i] = (char *)o->args[i];
	deflog = xasprintf("%s/arm-%s.log", dir, o->arm);
	const char *log = o->log ? o->log : deflog;
	int pid = save_cmd(o, argv, log) < 0 ? -1 : start_arm_process(o, argv, log, kc, nspid, url);
	free(argv);
	if (pid < 0 || set_target(o, o->arm, addr) < 0)
		goto out;
	printf("%d\n", pid);
	rc = 0;
out:
	if (rc != 0) {
		proxy_stop(o);
		bridge_stop(o);
	}
	free(kc);
	free(deflog);
	free(bin);
	free(dir);
	return rc;
}

static int local_arm_stop(const struct kopts *o)
{
	char name[32], *cmdfile;
	int rc = 0;

	snprintf(name, sizeof(name), "arm-%s.pid", o->arm);
	if (stop_pidfile(o, name) < 0)
		rc = EXIT_FAILED;
	if (proxy_stop(o) < 0 || bridge_stop(o) < 0)
		rc = EXIT_FAILED;
	snprintf(name, sizeof(name), "arm-%s.cmd", o->arm);
	cmdfile = cluster_file(o, name);
	/* Its log goes where asked, if it was written elsewhere. */
	char *text = fs_read(cmdfile, NULL);
	if (text && o->log) {
		char *started_log = strtok(text, "\n");
		if (started_log && strcmp(started_log, o->log) != 0) {
			size_t len = 0;
			char *content = fs_read_max(started_log, FS_MAX_DATA, &len);
			if (content && fs_write_atomic(o->log, content, len) < 0)
				rc = EXIT_FAILED;
			free(content);
		}
	}
	free(text);
	free(cmdfile);
	char *url = arm_file(o, ".metrics");
	unlink(url);
	free(url);
	if (set_target(o, NULL, NULL) < 0)
		rc = EXIT_FAILED;
	return rc;
}

static int local_arm_restart(const struct kopts *o)
{
	char name[32], *cmdfile, *pidfile, *kc = NULL, addr[32], url[96];
	int old = 0, pid = -1, nspid = 0, port = 0;

	snprintf(name, sizeof(name), "arm-%s.cmd", o->arm);
	cmdfile = cluster_file(o, name);
	snprintf(name, sizeof(name), "arm-%s.pid", o->arm);
	pidfile = cluster_file(o, name);
	char *text = fs_read(cmdfile, NULL);
	if (text == NULL || !pid_alive(pidfile, &old)) {
		errorf("arm %s of '%s' is not running", o->arm, o->name);
		goto out;
	}
	char *argv[64], *save = NULL, *log = strtok_r(text, "\n", &save);
	int n = 0;
	for (char *tok; n < 63 && (tok = strtok_r(NULL, "\n", &save)) != NULL;)
		argv[n++] = tok;
	argv[n] = NULL;
	if (log == NULL || n == 0) {
		errorf("'%s' is damaged", cmdfile);
		goto out;
	}
	/* An arm keeps its way to the API server: its bridge (isolated) or its proxy (with a
	   delay), started again with the same delay if it has stopped. */
	long ms = -1;
	char *bpid = arm_file(o, "-bridge.pid");
	int isolated = fs_is_file(bpid);
	free(bpid);
	if (isolated) {
		if (pid_stop(pidfile, 10000) < 0)
			goto out;
		if (!bridge_running(o, &nspid, &port, &ms)) {
			warnf("the network namespace bridge of arm %s had stopped: starting it again", o->arm);
			if (arm_network(o, 1, ms, &kc, &nspid, addr, sizeof(addr), url, sizeof(url)) < 0 ||
			    set_target(o, o->arm, addr) < 0)
				goto out;
		} else {
			kc = cluster_file(o, "kubeconfig");
			if (metrics_address(o, port, addr, sizeof(addr), url, sizeof(url)) < 0)
				goto out;
		}
	} else {
		if (recorded_delay(o, &ms) < 0 || pid_stop(pidfile, 10000) < 0)
			goto out;
		if (ms >= 0 && !proxy_running(o)) {
			warnf("the API proxy of arm %s had stopped: starting it again (%ld ms)", o->arm, ms);
			if (proxy_start(o, ms) < 0)
				goto out;
		}
		kc = ms >= 0 ? arm_file(o, ".kubeconfig") : cluster_file(o, "kubeconfig");
		if (metrics_address(o, RELOADER_METRICS_PORT, addr, sizeof(addr), url, sizeof(url)) < 0)
			goto out;
	}
	pid = start_arm_process(o, argv, log, kc, nspid, url);
	if (pid > 0 && pid == old) {
		errorf("the restarted controller has the same pid %d", pid);
		pid = -1;
	}
	if (pid > 0)
		printf("%d\n", pid);
out:
	free(kc);
	free(text);
	free(cmdfile);
	free(pidfile);
	return pid > 0 ? 0 : EXIT_FAILED;
}

/* The URL of the running arm's metrics, as reached from this host. */
static int local_arm_metrics_url(const struct kopts *o)
{
	char *file = arm_file(o, ".metrics"), *text = NULL;
	int rc = EXIT_FAILED;

	if (!arm_running(o, o->arm))
		errorf("arm %s of '%s' is not running", o->arm, o->name);
	else if ((text = fs_read(file, NULL)) == NULL)
		errorf("arm %s of '%s' has no recorded metrics address ('%s'): start it again", o->arm, o->name, file);
	else {
		fputs(text, stdout);
		rc = 0;
	}
	free(text);
	free(file);
	return rc;
}

/* Whether the arm's controller (the process arm-start or arm-restart recorded) still runs: the
   pipeline asks after a scenario, so that a controller that died mid-run is reported as such. */
static int local_arm_status(const struct kopts *o)
{
	int alive = arm_running(o, o->arm);

	printf("%s\n", alive ? "running" : "not running");
	return alive ? 0 : EXIT_FAILED;
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
