/*
 * The local provider: an arm's way to the API server. With --api-delay on the host's network,
 * a proxy of the arm's own (apiproxy.c) and a kubeconfig pointing at it; where arms are
 * isolated, a bridge process in a network namespace of the arm's own, which forwards the API
 * server into it and the controller's metrics port out. Both run this kindctl's internal
 * verbs in the background, recorded by pid.
 */
#include "local.h"
#include "apiproxy.h"
#include "fsio.h"
#include "kubeconfig.h"
#include "msg.h"
#include "num.h"
#include "sbuf.h"
#include "wrapper.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the injected API latency: a proxy of the arm's own (apiproxy.c) ---- */

char *arm_file(const struct kopts *o, const char *suffix)
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
int proxy_stop(const struct kopts *o)
{
	static const char *const files[] = { "-proxy.port", ".kubeconfig", "-proxy.delay", NULL };

	return helper_stop(o, "-proxy.pid", files);
}

/* This kindctl's own binary, malloc'd (for the internal verbs it runs in the background), or
   NULL after printing why. */
char *self_path(void)
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
int proxy_start(const struct kopts *o, long delay)
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
int recorded_delay(const struct kopts *o, long *ms)
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

int proxy_running(const struct kopts *o)
{
	char *pidfile = arm_file(o, "-proxy.pid");
	int alive = pid_alive(pidfile, NULL);

	free(pidfile);
	return alive;
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

int bridge_stop(const struct kopts *o)
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
int bridge_start(const struct kopts *o, long delay, int *pid, int *port)
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
int bridge_running(const struct kopts *o, int *pid, int *port, long *delay)
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
