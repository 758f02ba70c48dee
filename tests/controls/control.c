/*
 * Negative controls: stand-ins for a controller, run as an arm's "image" (bin:PATH) so that
 * the whole pipeline measures them. They prove the instrument can fail: a PASS from a
 * framework that cannot tell these from Reloader would mean nothing.
 *
 *   control-idle    serves /metrics on 127.0.0.1:9090 and does nothing else: every exact
 *                   scenario must FAIL with every expected roll missed.
 *   control-double  also watches ConfigMaps and Secrets; when one changes, it rolls every
 *                   Deployment, StatefulSet and DaemonSet of its namespace that references
 *                   it, twice (two pod-template patches): duplicates must be found.
 *
 * The mode is the program's name (one binary, two names). Arguments meant for Reloader
 * (--log-format=json, scenario flags) are accepted and ignored. It reads $KUBECONFIG, like
 * the arms the local provider starts, and stops on SIGTERM or SIGINT.
 */
#include "kube.h"
#include "kubeconfig.h"
#include "msg.h"
#include "sbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define METRICS_PORT 9090
#define MAX_PENDING 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- /metrics: enough for Prometheus to scrape the arm (up == 1) ---- */

static long rolls_total;	/* patches sent */
static long patches_ok;		/* patches the API server accepted: the test's oracle */

static int metrics_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(METRICS_PORT) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return errorf("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0) {
		errorf("cannot listen on 127.0.0.1:%d: %s", METRICS_PORT, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void metrics_serve(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char req[2048];
		struct rusage ru;
		struct sbuf body = SBUF_INIT, resp = SBUF_INIT;

		/* The request itself does not matter; read what has come within a second. */
		if (poll(&p, 1, 1000) > 0 && read(fd, req, sizeof(req)) < 0)
			warnf("metrics: read: %s", strerror(errno));
		getrusage(RUSAGE_SELF, &ru);
		sbuf_addf(&body, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n",
			  (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
				  ru.ru_stime.tv_usec / 1e6);
		sbuf_addf(&body, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n",
			  ru.ru_maxrss * 1024L);
		sbuf_addf(&body, "# TYPE loadtest_control_patches_total counter\nloadtest_control_patches_total %ld\n",
			  patches_ok);
		sbuf_addf(&resp, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			  body.len, sbuf_str(&body));
		if (write(fd, sbuf_str(&resp), resp.len) < 0)
			warnf("metrics: write: %s", strerror(errno));
		sbuf_free(&body);
		sbuf_free(&resp);
		close(fd);
	}
}

/* ---- double: roll every referencing workload twice ---- */

struct change {
	int secret;
	char ns[254];
	char name[254];
};

static struct change pending[MAX_PENDING];
static size_t npending;

static void on_event(const char *type, jv obj, void *ud)
{
	int secret = ud != NULL;

	if (strcmp(type, "MODIFIED") != 0 || npending == MAX_PENDING)
		return;
	jv md = jv_object_get(jv_copy(obj), jv_string("metadata"));
	jv ns = jv_object_get(jv_copy(md), jv_string("namespace"));
	jv name = jv_object_get(md, jv_string("name"));
	if (jv_get_kind(ns) == JV_KIND_STRING && jv_get_kind(name) == JV_KIND_STRING) {
		struct change *c = &pending[npending++];
		c->secret = secret;
		snprintf(c->ns, sizeof(c->ns), "%s", jv_string_value(ns));
		snprintf(c->name, sizeof(c->name), "%s", jv_string_value(name));
	}
	jv_free(ns);
	jv_free(name);
}

static int closed[2];

static void on_close(const struct kube_result *r, void *ud)
{
	(void)r;
	closed[ud != NULL] = 1;
}

/* v[k1][k2]... as a string equal to want? */
static int str_at(jv v, const char *const *path, const char *want)
{
	v = jv_copy(v);
	for (; *path; path++) {
		if (jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			return 0;
		}
		v = jv_object_get(v, jv_string(*path));
	}
	int yes = jv_get_kind(v) == JV_KIND_STRING && strcmp(jv_string_value(v), want) == 0;
	jv_free(v);
	return yes;
}

static jv field(jv v, const char *key)
{
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(v), jv_string(key));
}

/* Does a pod spec use the ConfigMap (or Secret) name, in any of the ways Reloader knows? */
static int references(jv spec, int secret, const char *name)
{
	const char *ref = secret ? "secretRef" : "configMapRef";
	const char *keyref = secret ? "secretKeyRef" : "configMapKeyRef";
	const char *vol_path[] = { secret ? "secret" : "configMap", secret ? "secretName" : "name", NULL };
	const char *proj_path[] = { secret ? "secret" : "configMap", "name", NULL };
	int found = 0;

	for (int c = 0; c < 2 && !found; c++) {
		jv list = field(spec, c ? "initContainers" : "containers");
		if (jv_get_kind(list) == JV_KIND_ARRAY) {
			jv_array_foreach(list, i, ctr) {
				const char *p1[] = { ref, "name", NULL };
				const char *p2[] = { "valueFrom", keyref, "name", NULL };
				jv ef = field(ctr, "envFrom"), env = field(ctr, "env");
				if (jv_get_kind(ef) == JV_KIND_ARRAY)
					jv_array_foreach(ef, j, e) {
						found |= str_at(e, p1, name);
						jv_free(e);
					}
				if (jv_get_kind(env) == JV_KIND_ARRAY)
					jv_array_foreach(env, j, e) {
						found |= str_at(e, p2, name);
						jv_free(e);
					}
				jv_free(ef);
				jv_free(env);
				jv_free(ctr);
			}
		}
		jv_free(list);
	}
	jv vols = field(spec, "volumes");
	if (jv_get_kind(vols) == JV_KIND_ARRAY) {
		jv_array_foreach(vols, i, vol) {
			found |= str_at(vol, vol_path, name);
			jv proj = field(vol, "projected");
			jv srcs = field(proj, "sources");
			if (jv_get_kind(srcs) == JV_KIND_ARRAY)
				jv_array_foreach(srcs, j, s) {
					found |= str_at(s, proj_path, name);
					jv_free(s);
				}
			jv_free(srcs);
			jv_free(proj);
			jv_free(vol);
		}
	}
	jv_free(vols);
	return found;
}

static void roll(struct kube *k, const char *path)
{
	for (int n = 0; n < 2; n++) {
		char body[160];
		struct kube_result r;
		snprintf(body, sizeof(body),
			 "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"loadtest-control/roll\":\"%ld\"}}}}}",
			 ++rolls_total);
		if (kube_call(k, "PATCH", path, body, "application/merge-patch+json", &r) < 0)
			warnf("PATCH %s: %s", path, r.error);
		else if (r.status != 200)
			warnf("PATCH %s: HTTP %ld", path, r.status);
		else
			patches_ok++;
		kube_result_free(&r);
	}
}

static void roll_referencing(struct kube *k, const struct change *c)
{
	static const char *const kinds[] = { "deployments", "statefulsets", "daemonsets" };

	for (size_t i = 0; i < 3; i++) {
		char path[640];
		struct kube_result r;
		snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/%s/%s", c->ns, kinds[i]);
		if (kube_call(k, "GET", path, NULL, NULL, &r) < 0 || r.status != 200) {
			warnf("GET %s: %s", path, r.error[0] ? r.error : "not 200");
			kube_result_free(&r);
			continue;
		}
		jv items = field(r.json, "items");
		if (jv_get_kind(items) == JV_KIND_ARRAY) {
			jv_array_foreach(items, j, w) {
				jv tmpl = field(w, "spec");
				jv t2 = field(tmpl, "template");
				jv spec = field(t2, "spec");
				jv md = field(w, "metadata");
				jv name = field(md, "name");
				if (jv_get_kind(name) == JV_KIND_STRING && references(spec, c->secret, c->name)) {
					char wpath[1024];
					snprintf(wpath, sizeof(wpath), "%s/%s", path, jv_string_value(name));
					roll(k, wpath);
				}
				jv_free(name);
				jv_free(md);
				jv_free(spec);
				jv_free(t2);
				jv_free(tmpl);
				jv_free(w);
			}
		}
		jv_free(items);
		kube_result_free(&r);
	}
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int dbl = strcmp(base, "control-double") == 0;
	struct kubeconfig cfg;
	struct kube *k = NULL;
	static struct change batch[MAX_PENDING];

	(void)argc;
	msg_init(base);
	if (!dbl && strcmp(base, "control-idle") != 0)
		dief(2, "run me as control-idle or control-double, not '%s'", base);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	int lfd = metrics_listen();
	if (lfd < 0)
		return 1;
	if (dbl) {
		const char *kc = getenv("KUBECONFIG");
		if (kc == NULL || kubeconfig_load(&cfg, kc, NULL) < 0)
			dief(1, "needs a usable $KUBECONFIG");
		k = kube_new(&cfg, 8);
		if (k == NULL)
			return 1;
		closed[0] = closed[1] = 1;
	}
	while (!stop) {
		if (k) {
			for (int s = 0; s < 2; s++) {
				if (closed[s]) {
					closed[s] = 0;
					/* From now on: an ADDED for each existing object comes first, ignored. */
					kube_watch(k, s ? "/api/v1/secrets" : "/api/v1/configmaps", NULL, on_event,
							  on_close, s ? (void *)1 : NULL);
				}
			}
			kube_poll(k, 100);
			/* Events that arrive while rolling queue up for the next turn. */
			size_t n = npending;
			memcpy(batch, pending, n * sizeof(*batch));
			npending = 0;
			for (size_t i = 0; i < n && !stop; i++)
				roll_referencing(k, &batch[i]);
		} else {
			struct pollfd p = { .fd = lfd, .events = POLLIN };
			poll(&p, 1, 200);
		}
		metrics_serve(lfd);
	}
	if (k) {
		kube_free(k);
		kubeconfig_free(&cfg);
	}
	close(lfd);
	/* The last line of the arm's log: what this control did, for the tests to check. */
	fprintf(stderr, "%s: %ld pod-template patches accepted\n", base, patches_ok);
	return 0;
}
