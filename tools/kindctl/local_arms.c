/*
 * The local provider's controller arms: Reloader as a host process recorded by pid, with the
 * cluster's kubeconfig (or its proxy's), on the host's network or in a network namespace of
 * its own (local_armnet.c); Prometheus told where its metrics are (local_prometheus.c).
 */
#include "local.h"
#include "fsio.h"
#include "msg.h"
#include "netport.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reloader serves /metrics on a fixed port in every v1 release. */
#define RELOADER_METRICS_PORT 9090

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

int local_arm_start(const struct kopts *o)
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

int local_arm_stop(const struct kopts *o)
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

int local_arm_restart(const struct kopts *o)
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
int local_arm_metrics_url(const struct kopts *o)
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
int local_arm_status(const struct kopts *o)
{
	int alive = arm_running(o, o->arm);

	printf("%s\n", alive ? "running" : "not running");
	return alive ? 0 : EXIT_FAILED;
}

