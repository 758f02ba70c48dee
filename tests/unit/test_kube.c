/*
 * Unit tests of the kube client against a real HTTPS server (tests/helpers/fakekube.py) with
 * certificates made by openssl for the run: TLS verification, client certificates, tokens,
 * concurrency bounds, watch streams, exec credentials.
 *
 * With --live [CONTEXT] it is a small probe of a real cluster instead (KUBECONFIG or
 * ~/.kube/config): GET /version, then a watch of namespaces; see tests/kubeconfig.bats.
 */
#include "jsonf.h"
#include "kube.h"
#include "kubeconfig.h"
#include "msg.h"
#include "unit.h"
#include "kubetest.h"

#include <time.h>

static char *tmp;
static char port[16];
static pid_t server = -1;

/* ---- the server and its certificates ---- */

static void openssl(const char *what, char *const argv[])
{
	if (kt_run(argv) != 0) {
		fprintf(stderr, "test_kube: openssl failed to make %s (is openssl installed?)\n", what);
		exit(2);
	}
}

/* A CA, or a key and certificate signed by ca with the extensions in ext. */
static void make_cert(const char *name, const char *cn, const char *ca, const char *ext)
{
	char *key = kt_path(tmp, name), *crt, *csr, *subj, *extfile, *cakey, *cacrt;

	if (asprintf(&crt, "%s/%s.crt", tmp, name) < 0 || asprintf(&csr, "%s/%s.csr", tmp, name) < 0 ||
	    asprintf(&subj, "/CN=%s", cn) < 0)
		exit(2);
	free(key);
	if (asprintf(&key, "%s/%s.key", tmp, name) < 0)
		exit(2);
	if (ca == NULL) {
		char *argv[] = { "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
				 "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", crt,
				 "-subj", subj, "-days", "2", NULL };
		openssl(name, argv);
	} else {
		char *req[] = { "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
				"-nodes", "-keyout", key, "-out", csr, "-subj", subj, NULL };
		openssl(name, req);
		extfile = kt_write(tmp, "ext.cnf", ext, 0644);
		if (asprintf(&cakey, "%s/%s.key", tmp, ca) < 0 || asprintf(&cacrt, "%s/%s.crt", tmp, ca) < 0)
			exit(2);
		char *sign[] = { "openssl", "x509", "-req", "-in", csr, "-CA", cacrt, "-CAkey", cakey,
				 "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", extfile, NULL };
		openssl(name, sign);
		free(extfile);
		free(cakey);
		free(cacrt);
	}
	free(key);
	free(crt);
	free(csr);
	free(subj);
}

static void start_server(void)
{
	char *helper = kt_path(kt_repo(), "tests/helpers/fakekube.py");
	char *portfile = kt_path(tmp, "port"), *log = kt_path(tmp, "server.log");
	char *crt = kt_path(tmp, "server.crt"), *key = kt_path(tmp, "server.key"), *ca = kt_path(tmp, "ca.crt");
	char *argv[] = { "python3", helper, portfile, crt, key, ca, NULL };

	make_cert("ca", "unit-ca", NULL, NULL);
	make_cert("other-ca", "other-ca", NULL, NULL);
	make_cert("server", "kube.test", "ca", "subjectAltName=DNS:kube.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
	make_cert("client", "unit-user", "ca", "extendedKeyUsage=clientAuth\n");
	server = kt_spawn(argv, log);
	if (server < 0) {
		fprintf(stderr, "test_kube: cannot start the test server (is python3 installed?)\n");
		exit(2);
	}
	for (int i = 0; i < 500; i++) {
		char *text = kt_read(portfile);
		if (text != NULL) {
			snprintf(port, sizeof(port), "%s", text);
			port[strcspn(port, "\n")] = '\0';
			free(text);
			break;
		}
		if (waitpid(server, NULL, WNOHANG) == server) {
			server = -1;
			break;
		}
		usleep(20000);
	}
	if (port[0] == '\0') {
		char *text = kt_read(log);
		fprintf(stderr, "test_kube: the test server did not start: %s\n", text ? text : "");
		free(text);
		exit(2);
	}
	free(helper);
	free(portfile);
	free(log);
	free(crt);
	free(key);
	free(ca);
}

static void stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

/* A kubeconfig for the test server: extra lines for the cluster and the user. */
static int load_cfg(struct kubeconfig *cfg, const char *server_url, const char *cluster, const char *user)
{
	char *text = NULL, *path, *url = NULL;
	int rc;

	if (server_url == NULL && asprintf(&url, "https://127.0.0.1:%s", port) < 0)
		exit(2);
	if (asprintf(&text,
		     "clusters:\n- name: c\n  cluster:\n    server: %s\n%s"
		     "users:\n- name: u\n  user:\n%s"
		     "contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
		     url ? url : server_url, cluster, user) < 0)
		exit(2);
	path = kt_write(tmp, "kubeconfig", text, 0600);
	rc = kubeconfig_load(cfg, path, NULL);
	free(text);
	free(path);
	free(url);
	return rc;
}

#define TRUSTED "    certificate-authority: ca.crt\n"
#define CLIENT "    client-certificate: client.crt\n    client-key: client.key\n"

/* One blocking call; the echo's field or NULL. */
static const char *field(const struct kube_result *r, const char *key)
{
	return json_str(r->json, key);
}

/* ---- TLS, credentials, methods ---- */

static void test_tls(void)
{
	struct kubeconfig cfg;
	struct kube_result r;
	struct kube *k;

	/* The right CA, a client certificate and a token. */
	CHECK(load_cfg(&cfg, NULL, TRUSTED, CLIENT "    token: tok-123\n") == 0);
	k = kube_new(&cfg, 4);
	CHECK(k != NULL);
	CHECK(kube_call(k, "GET", "/echo?x=1", NULL, NULL, &r) == 0);
	CHECK(r.code == CURLE_OK && r.status == 200 && r.error[0] == '\0');
	CHECK_STR(field(&r, "client_cn"), "unit-user");
	CHECK_STR(field(&r, "authorization"), "Bearer tok-123");
	CHECK_STR(field(&r, "method"), "GET");
	CHECK_STR(field(&r, "query"), "x=1");
	CHECK(r.queued > 0 && r.started >= r.queued && r.done >= r.started);
	kube_result_free(&r);

	CHECK(kube_call(k, "POST", "/echo", "{\"a\":1}", NULL, &r) == 0);
	CHECK_STR(field(&r, "method"), "POST");
	CHECK_STR(field(&r, "body"), "{\"a\":1}");
	CHECK_STR(field(&r, "content_type"), "application/json");
	kube_result_free(&r);
	CHECK(kube_call(k, "PATCH", "/echo", "{\"b\":2}", "application/merge-patch+json", &r) == 0);
	CHECK_STR(field(&r, "method"), "PATCH");
	CHECK_STR(field(&r, "content_type"), "application/merge-patch+json");
	kube_result_free(&r);
	CHECK(kube_call(k, "PUT", "/echo", "{}", NULL, &r) == 0);
	CHECK_STR(field(&r, "method"), "PUT");
	kube_result_free(&r);
	CHECK(kube_call(k, "DELETE", "/echo", NULL, NULL, &r) == 0);
	CHECK_STR(field(&r, "method"), "DELETE");
	kube_result_free(&r);

	CHECK(kube_call(k, "GET", "/version", NULL, NULL, &r) == 0);
	CHECK_STR(field(&r, "gitVersion"), "v1.34.0-fake");
	CHECK(r.body_len > 0 && strstr(r.body, "gitVersion") != NULL);
	kube_result_free(&r);
	/* An HTTP error is an answer: code OK, the status, the Status object. */
	CHECK(kube_call(k, "GET", "/status/404", NULL, NULL, &r) == 0);
	CHECK(r.code == CURLE_OK && r.status == 404);
	CHECK_STR(field(&r, "reason"), "Fake");
	kube_result_free(&r);
	/* One connection, kept open and reused. */
	CHECK(kube_call(k, "GET", "/reset", NULL, NULL, &r) == 0);
	kube_result_free(&r);
	for (int i = 0; i < 5; i++) {
		CHECK(kube_call(k, "GET", "/version", NULL, NULL, &r) == 0 && r.status == 200);
		kube_result_free(&r);
	}
	CHECK(kube_call(k, "GET", "/stats", NULL, NULL, &r) == 0);
	double conns = -1;
	CHECK(json_num(r.json, "connections", &conns) == 0 && conns == 0);
	kube_result_free(&r);
	/* Unusable arguments fail at once. */
	CHECK(kube_call(k, "get", "/x", NULL, NULL, &r) == -1 && r.status == 0);
	kube_result_free(&r);
	CHECK(kube_call(k, "GET", "x", NULL, NULL, &r) == -1);
	kube_result_free(&r);
	/* A request timeout: no answer, status 0. */
	kube_set_timeouts(k, 0, 300);
	CHECK(kube_call(k, "GET", "/slow?ms=2000", NULL, NULL, &r) == -1);
	CHECK(r.code == CURLE_OPERATION_TIMEDOUT && r.status == 0 && r.error[0] != '\0');
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);

	/* Another CA: verification fails, and says so. */
	CHECK(load_cfg(&cfg, NULL, "    certificate-authority: other-ca.crt\n", "    token: tok-123\n") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/version", NULL, NULL, &r) == -1);
	CHECK(r.status == 0 && r.code == CURLE_PEER_FAILED_VERIFICATION);
	CHECK(strstr(r.error, "certificate") != NULL);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);

	/* No CA: the system's do not know ours. */
	CHECK(load_cfg(&cfg, NULL, "", "") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/version", NULL, NULL, &r) == -1 && r.code == CURLE_PEER_FAILED_VERIFICATION);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);

	/* insecure-skip-tls-verify; basic auth; no client certificate. */
	CHECK(load_cfg(&cfg, NULL, "    insecure-skip-tls-verify: true\n",
		       "    username: user\n    password: pass\n") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0 && r.status == 200);
	CHECK_STR(field(&r, "authorization"), "Basic dXNlcjpwYXNz");
	jv cn = json_get(r.json, "client_cn");
	CHECK(jv_get_kind(cn) == JV_KIND_NULL);
	jv_free(cn);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);

	/* tls-server-name: the name the certificate must carry, whatever the server's address. */
	CHECK(load_cfg(&cfg, NULL, TRUSTED "    tls-server-name: kube.test\n", "") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0 && r.status == 200);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);
	CHECK(load_cfg(&cfg, NULL, TRUSTED "    tls-server-name: wrong.test\n", "") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == -1 && r.code == CURLE_PEER_FAILED_VERIFICATION);
	CHECK(strstr(r.error, "wrong.test") != NULL);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);

	/* Nobody listening. */
	CHECK(load_cfg(&cfg, "https://127.0.0.1:1", TRUSTED, "") == 0);
	k = kube_new(&cfg, 1);
	CHECK(kube_call(k, "GET", "/version", NULL, NULL, &r) == -1);
	CHECK(r.code == CURLE_COULDNT_CONNECT && r.status == 0 && r.error[0] != '\0');
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);
}

/* ---- many requests, bounded ---- */

#define NREQ 24
#define MAXIN 4

struct slot {
	long status;
	double started, done;
	int calls;
};

static void slot_done(const struct kube_result *r, void *ud)
{
	struct slot *s = ud;

	s->status = r->status;
	s->started = r->started;
	s->done = r->done;
	s->calls++;
}

static void test_concurrency(void)
{
	struct kubeconfig cfg;
	struct kube_result r;
	struct slot slots[NREQ];
	struct kube *k;
	int over = 0, peak = 0, ok = 0;

	memset(slots, 0, sizeof(slots));
	CHECK(load_cfg(&cfg, NULL, TRUSTED, CLIENT) == 0);
	k = kube_new(&cfg, MAXIN);
	CHECK(kube_call(k, "GET", "/reset", NULL, NULL, &r) == 0);
	kube_result_free(&r);
	for (int i = 0; i < NREQ; i++)
		CHECK(kube_request(k, "GET", "/slow?ms=150", NULL, NULL, slot_done, &slots[i]) == 0);
	CHECK(kube_inflight(k) == NREQ && kube_running(k) == 0);
	while (kube_poll(k, 100) > 0)
		over += kube_running(k) > MAXIN;
	CHECK(over == 0 && kube_inflight(k) == 0);
	/* Client side: at no instant more than MAXIN transfers; every one answered once. */
	for (int i = 0; i < NREQ; i++) {
		int n = 0;
		ok += slots[i].status == 200 && slots[i].calls == 1;
		for (int j = 0; j < NREQ; j++)
			n += slots[j].started <= slots[i].started && slots[i].started < slots[j].done;
		peak = n > peak ? n : peak;
	}
	CHECK(ok == NREQ);
	CHECK(peak <= MAXIN && peak >= 2);
	/* Server side too. */
	CHECK(kube_call(k, "GET", "/stats", NULL, NULL, &r) == 0);
	double maxc = 0, reqs = 0;
	CHECK(json_num(r.json, "max_concurrent", &maxc) == 0 && json_num(r.json, "requests", &reqs) == 0);
	CHECK(maxc >= 2 && maxc <= MAXIN);
	CHECK(reqs == NREQ + 1);
	/* HTTP/1.1 here: a connection per running transfer at most, each reused. */
	double conns = -1;
	CHECK(json_num(r.json, "connections", &conns) == 0 && conns <= MAXIN);
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);
}

/* ---- watches ---- */

struct watch_state {
	struct kube *k;
	struct kube_watch *w;
	char types[8][16];
	double at[8];
	char *query;
	int events, closed, cancel_on_event, side_done;
	long status;
	CURLcode code;
	char error[CURL_ERROR_SIZE];
	char rv[32];
	char reason[32];
};

static void side_done(const struct kube_result *r, void *ud)
{
	struct watch_state *s = ud;

	s->side_done = r->status == 200 ? 1 : -1;
}

static void on_event(const char *type, jv obj, void *ud)
{
	struct watch_state *s = ud;

	if (s->events < 8) {
		snprintf(s->types[s->events], sizeof(s->types[0]), "%s", type);
		s->at[s->events] = mono_now();
	}
	if (s->events == 0) {
		jv meta = json_get(obj, "metadata");
		const char *q = json_str(meta, "query");
		s->query = q ? strdup(q) : NULL;
		jv_free(meta);
		/* Callbacks may start requests. */
		kube_request(s->k, "GET", "/version", NULL, NULL, side_done, s);
	}
	s->events++;
	if (s->cancel_on_event)
		kube_watch_cancel(s->w);
}

static void on_close(const struct kube_result *r, void *ud)
{
	struct watch_state *s = ud;
	const char *rv = kube_watch_rv(s->w);

	s->closed++;
	s->status = r->status;
	s->code = r->code;
	snprintf(s->error, sizeof(s->error), "%s", r->error);
	snprintf(s->rv, sizeof(s->rv), "%s", rv ? rv : "");
	snprintf(s->reason, sizeof(s->reason), "%s", json_str(r->json, "reason") ? json_str(r->json, "reason") : "");
}

static void run_watch(struct kube *k, const char *path, const char *rv, struct watch_state *s)
{
	s->k = k;
	s->w = kube_watch(k, path, rv, on_event, on_close, s);
	CHECK(s->w != NULL);
	while (kube_poll(k, 200) > 0)
		;
}

static void test_watch(void)
{
	struct kubeconfig cfg;
	struct watch_state s;
	struct kube *k;

	CHECK(load_cfg(&cfg, NULL, TRUSTED, CLIENT) == 0);
	k = kube_new(&cfg, 2);

	/* Each event as soon as its line is whole, one of them cut across two writes. */
	memset(&s, 0, sizeof(s));
	run_watch(k, "/stream?mode=split", "41", &s);
	CHECK(s.events == 3 && s.closed == 1);
	CHECK_STR(s.types[0], "ADDED");
	CHECK_STR(s.types[1], "MODIFIED");
	CHECK_STR(s.types[2], "BOOKMARK");
	CHECK(s.at[1] - s.at[0] >= 0.3);
	CHECK_STR(s.query, "mode=split&watch=1&resourceVersion=41&allowWatchBookmarks=true");
	CHECK(s.status == 200 && s.code == CURLE_OK && s.error[0] == '\0');
	CHECK_STR(s.rv, "43");
	CHECK(s.side_done == 1);
	free(s.query);

	/* A line that is not JSON ends the watch, after the events before it. */
	memset(&s, 0, sizeof(s));
	run_watch(k, "/stream?mode=bad", NULL, &s);
	CHECK(s.events == 1 && s.closed == 1 && s.status == 0);
	CHECK_STR(s.error, "watch event is not valid JSON");
	CHECK_STR(s.query, "mode=bad&watch=1&allowWatchBookmarks=true");
	free(s.query);

	/* An error answer: its status and its Status object, no events. */
	memset(&s, 0, sizeof(s));
	run_watch(k, "/stream?mode=gone", "1", &s);
	CHECK(s.events == 0 && s.closed == 1 && s.status == 410 && s.code == CURLE_OK);
	CHECK_STR(s.reason, "Expired");

	/* Cancelled from its own event callback: nothing after, not even on_close. */
	memset(&s, 0, sizeof(s));
	s.cancel_on_event = 1;
	double t0 = mono_now();
	run_watch(k, "/stream?mode=hold", NULL, &s);
	CHECK(s.events == 1 && s.closed == 0 && mono_now() - t0 < 10);
	free(s.query);

	/* Cancelled from outside the loop. */
	memset(&s, 0, sizeof(s));
	s.k = k;
	s.w = kube_watch(k, "/stream?mode=hold", NULL, on_event, on_close, &s);
	while (s.events == 0 && kube_poll(k, 200) > 0)
		;
	kube_watch_cancel(s.w);
	while (kube_poll(k, 200) > 0)
		;
	CHECK(s.events == 1 && s.closed == 0);
	free(s.query);

	/* Cancelled before it started; and one left running for kube_free to drop. */
	memset(&s, 0, sizeof(s));
	s.w = kube_watch(k, "/stream?mode=hold", NULL, on_event, on_close, &s);
	kube_watch_cancel(s.w);
	CHECK(kube_poll(k, 0) == 0 && s.events == 0);
	s.k = k;
	s.w = kube_watch(k, "/stream?mode=hold", NULL, on_event, on_close, &s);
	kube_request(k, "GET", "/slow?ms=5000", NULL, NULL, side_done, &s);
	while (s.events == 0 && kube_poll(k, 200) > 0)
		;
	kube_free(k);
	free(s.query);
	kubeconfig_free(&cfg);
}

/* ---- exec credentials, re-run when expired or refused ---- */

static const char exec_plugin[] =
	"#!/bin/sh\n"
	"n=$(cat \"$COUNTER\" 2>/dev/null || echo 0); n=$((n + 1)); echo \"$n\" >\"$COUNTER\"\n"
	"printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1\","
	"\"status\":{\"token\":\"exec-%s\",\"expirationTimestamp\":\"%s\"}}\\n' \"$n\" \"$1\"\n";

static int exec_count(void)
{
	char *path = kt_path(tmp, "counter"), *text = kt_read(path);
	int n = text ? atoi(text) : 0;

	free(text);
	free(path);
	return n;
}

static void test_exec(void)
{
	struct kubeconfig cfg;
	struct kube_result r;
	struct kube *k;
	char *user = NULL, *counter = kt_path(tmp, "counter");

	free(kt_write(tmp, "plugin.sh", exec_plugin, 0755));
	/* Expired at once: run for kube_new, then before every transfer. */
	if (asprintf(&user, "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
		     "      command: ./plugin.sh\n      args: ['2001-01-01T00:00:00Z']\n"
		     "      env: [{name: COUNTER, value: %s}]\n", counter) < 0)
		exit(2);
	unlink(counter);
	CHECK(load_cfg(&cfg, NULL, TRUSTED, user) == 0);
	k = kube_new(&cfg, 1);
	CHECK(k != NULL && exec_count() == 1);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0);
	CHECK_STR(field(&r, "authorization"), "Bearer exec-2");
	kube_result_free(&r);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0);
	CHECK_STR(field(&r, "authorization"), "Bearer exec-3");
	kube_result_free(&r);
	kube_free(k);
	kubeconfig_free(&cfg);
	free(user);

	/* Valid for long: run once, again only after a 401. */
	if (asprintf(&user, "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
		     "      command: ./plugin.sh\n      args: ['2099-01-01T00:00:00Z']\n"
		     "      env: [{name: COUNTER, value: %s}]\n", counter) < 0)
		exit(2);
	unlink(counter);
	CHECK(load_cfg(&cfg, NULL, TRUSTED, user) == 0);
	k = kube_new(&cfg, 1);
	for (int i = 0; i < 2; i++) {
		CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0);
		CHECK_STR(field(&r, "authorization"), "Bearer exec-1");
		kube_result_free(&r);
	}
	CHECK(kube_call(k, "GET", "/status/401", NULL, NULL, &r) == 0 && r.status == 401);
	kube_result_free(&r);
	CHECK(kube_call(k, "GET", "/echo", NULL, NULL, &r) == 0);
	CHECK_STR(field(&r, "authorization"), "Bearer exec-2");
	kube_result_free(&r);
	CHECK(exec_count() == 2);
	kube_free(k);
	kubeconfig_free(&cfg);
	free(user);
	free(counter);
}

/* ---- --live: a probe of a real cluster ---- */

struct live {
	int events, closed;
	long status;
	char error[CURL_ERROR_SIZE];
};

static void live_event(const char *type, jv obj, void *ud)
{
	struct live *l = ud;

	(void)obj;
	if (l->events++ == 0)
		printf("watch: first event %s\n", type);
}

static void live_close(const struct kube_result *r, void *ud)
{
	struct live *l = ud;

	l->closed = 1;
	l->status = r->status;
	snprintf(l->error, sizeof(l->error), "%s", r->error);
}

static int live(const char *context)
{
	struct kubeconfig cfg;
	struct kube_result r;
	struct live l = { 0, 0, 0, "" };
	struct kube *k;
	int rc = 1;

	if (kubeconfig_load(&cfg, NULL, context) < 0)
		return 2;
	k = kube_new(&cfg, 8);
	if (k == NULL) {
		kubeconfig_free(&cfg);
		return 2;
	}
	if (kube_call(k, "GET", "/version", NULL, NULL, &r) < 0 || r.status != 200) {
		errorf("GET /version: %s", r.status ? r.body : r.error);
		kube_result_free(&r);
		goto out;
	}
	printf("version: %s\n", json_str(r.json, "gitVersion") ? json_str(r.json, "gitVersion") : "?");
	kube_result_free(&r);
	/* Without a resourceVersion the server starts with an ADDED event per namespace. */
	struct kube_watch *w = kube_watch(k, "/api/v1/namespaces", NULL, live_event, live_close, &l);
	double deadline = mono_now() + 10;
	while (w != NULL && l.events == 0 && !l.closed && mono_now() < deadline)
		kube_poll(k, 200);
	if (l.closed)
		errorf("watch closed: HTTP %ld %s", l.status, l.error);
	else if (w != NULL)
		kube_watch_cancel(w);
	printf("watch: %d events\n", l.events);
	rc = l.events > 0 ? 0 : 1;
out:
	kube_free(k);
	kubeconfig_free(&cfg);
	return rc;
}

int main(int argc, char **argv)
{
	msg_init(argv[0]);
	if (argc >= 2 && strcmp(argv[1], "--live") == 0)
		return live(argc >= 3 ? argv[2] : NULL);
	tmp = kt_tmpdir();
	start_server();
	test_tls();
	test_concurrency();
	test_watch();
	test_exec();
	stop_server();
	kt_rmrf(tmp);
	free(tmp);
	UNIT_DONE("test_kube");
}
