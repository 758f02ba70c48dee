/* Unit tests of kobj.c's pure parts: list paths, fields, labels and conditions of objects, age
   order; kwait's options against a server that does not answer. (Object paths are tested in
   test_kindctl.c; get, delete and kwait against an API server in tests/kindctl-kind.bats.) */
#include "jsonf.h"
#include "kobj.h"
#include "kubetest.h"
#include "kwait.h"
#include "unit.h"

#include <stdlib.h>

static void test_list_paths(void)
{
	char *p;

	p = kobj_list_path("v1", "Pod", "reloader-old");
	CHECK_STR(p, "/api/v1/namespaces/reloader-old/pods");
	free(p);
	p = kobj_list_path("apps/v1", "Deployment", "monitoring");
	CHECK_STR(p, "/apis/apps/v1/namespaces/monitoring/deployments");
	free(p);
	/* Every namespace; and a cluster-scoped kind, whatever namespace is given. */
	p = kobj_list_path("apps/v1", "DaemonSet", NULL);
	CHECK_STR(p, "/apis/apps/v1/daemonsets");
	free(p);
	p = kobj_list_path("v1", "Namespace", "ignored");
	CHECK_STR(p, "/api/v1/namespaces");
	free(p);
	CHECK(kobj_list_path("batch/v1", "Job", "a") == NULL);
	CHECK(kobj_list_path("v1", "Pod", "a/b") == NULL);
	CHECK(kobj_list_path("v1", "Pod", "") == NULL);
	/* A selector goes after the path, its value escaped; a path that could not be made stays NULL. */
	p = kwait_selector("/api/v1/namespaces", "fieldSelector", "metadata.name=a b");
	CHECK_STR(p, "/api/v1/namespaces?fieldSelector=metadata.name%3Da%20b");
	free(p);
	CHECK(kwait_selector(NULL, "labelSelector", "app=x") == NULL);
	CHECK(kobj_kind("apps/v1", "StatefulSet") != NULL && kobj_kind("apps/v1", "StatefulSet")->namespaced);
	CHECK(kobj_kind("rbac.authorization.k8s.io/v1", "ClusterRole")->namespaced == 0);
	CHECK(kobj_name_ok("reloader-old.x_1:2") && !kobj_name_ok("..") && !kobj_name_ok("a%2F"));
}

static jv parse(const char *text)
{
	jv v = jv_parse(text);

	CHECK(jv_get_kind(v) == JV_KIND_OBJECT);
	return v;
}

static void test_fields(void)
{
	jv pod = parse("{\"metadata\":{\"name\":\"p\",\"deletionTimestamp\":\"2024-01-01T00:00:00Z\"},"
		       "\"spec\":{\"replicas\":3},\"status\":{\"phase\":\"Running\",\"conditions\":["
		       "{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"ContainersNotReady\"},"
		       "{\"type\":\"Progressing\",\"status\":\"True\",\"reason\":\"NewReplicaSetAvailable\"}]}}");
	jv bare = parse("{\"metadata\":{\"name\":\"q\"},\"spec\":\"not an object\"}");
	char buf[64], reason[64];

	CHECK_STR(kobj_str(pod, "status", "phase", buf, sizeof(buf)), "Running");
	CHECK_STR(kobj_str(pod, "spec", "replicas", buf, sizeof(buf)), "");
	CHECK_STR(kobj_str(bare, "status", "phase", buf, sizeof(buf)), "");
	CHECK_NUM(kobj_num(pod, -1, "spec", "replicas"), 3);
	CHECK_NUM(kobj_num(bare, -1, "spec", "replicas"), -1);
	CHECK(kobj_deleting(pod) && !kobj_deleting(bare));
	CHECK(kobj_condition(pod, "Ready", reason, sizeof(reason)) == 0);
	CHECK_STR(reason, "ContainersNotReady");
	CHECK(kobj_condition(pod, "Progressing", reason, sizeof(reason)) == 1);
	CHECK_STR(reason, "NewReplicaSetAvailable");
	CHECK(kobj_condition(pod, "Available", reason, sizeof(reason)) == 0);
	CHECK_STR(reason, "");
	CHECK(kobj_condition(bare, "Ready", NULL, 0) == 0);
	jv f = kobj_field(pod, "metadata", "name");
	CHECK(jv_get_kind(f) == JV_KIND_STRING && strcmp(jv_string_value(f), "p") == 0);
	jv_free(f);
	f = kobj_field(bare, "spec", "x");
	CHECK(!jv_is_valid(f));
	jv_free(f);
	jv_free(pod);
	jv_free(bare);
}

static void test_owned_and_order(void)
{
	jv ours = parse("{\"metadata\":{\"labels\":{\"app.kubernetes.io/part-of\":\"reloader-loadtest\"}}}");
	jv theirs = parse("{\"metadata\":{\"labels\":{\"app.kubernetes.io/part-of\":\"someone\"}}}");
	jv arr = jv_parse("[{\"metadata\":{\"name\":\"c\",\"creationTimestamp\":\"2024-01-01T00:00:02Z\"}},"
			  "{\"metadata\":{\"name\":\"b\",\"creationTimestamp\":\"2024-01-01T00:00:01Z\"}},"
			  "{\"metadata\":{\"name\":\"a\",\"creationTimestamp\":\"2024-01-01T00:00:02Z\"}}]");
	const char *want[] = { "b", "a", "c" };
	char name[16];

	CHECK(kobj_owned(ours) && !kobj_owned(theirs));
	/* A label by key alone, or by key and value; none on an object without labels. */
	CHECK(kobj_has_label(theirs, "app.kubernetes.io/part-of", NULL));
	CHECK(kobj_has_label(theirs, "app.kubernetes.io/part-of", "someone"));
	CHECK(!kobj_has_label(theirs, "app.kubernetes.io/part-of", "reloader-loadtest"));
	CHECK(!kobj_has_label(theirs, "app", NULL));
	CHECK(!kobj_has_label(arr, "app", NULL));
	/* Oldest first; a tie goes by name. */
	arr = kobj_by_creation(arr);
	CHECK(jv_array_length(jv_copy(arr)) == 3);
	for (int i = 0; i < 3; i++) {
		jv o = jv_array_get(jv_copy(arr), i);
		CHECK_STR(kobj_str(o, "metadata", "name", name, sizeof(name)), want[i]);
		jv_free(o);
	}
	jv_free(arr);
	arr = kobj_by_creation(jv_array());
	CHECK(jv_array_length(arr) == 0);
	jv_free(ours);
	jv_free(theirs);
}

/* ---- kwait's options, against an address where nothing listens ---- */

struct seen {
	int turns, stop_after, lists_failed, stop_on_list, code_ok;
	char path[128];
};

static int count_turn(void *ud)
{
	struct seen *s = ud;

	return ++s->turns >= s->stop_after;
}

static int list_failed(const char *path, const struct kube_result *r, void *ud)
{
	struct seen *s = ud;

	s->lists_failed++;
	s->code_ok = r->code == CURLE_OK;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return s->stop_on_list;
}

static int never(const jv *objs, void *ud, struct sbuf *why)
{
	(void)objs;
	(void)ud;
	sbuf_add(why, "never");
	return 0;
}

/* kwait_opt on path with both hooks and a quiet deadline, checked to print nothing. */
static int silent_wait(struct kube *k, const char *path, struct seen *s)
{
	struct kwait_opts o = { .turn = count_turn, .list_failed = list_failed, .quiet_timeout = 1, .ud = s };
	struct kt_capture cap;
	const char *paths[] = { path };

	kt_capture_begin(&cap);
	int rc = kwait_opt(k, paths, 1, never, NULL, 30, "w", &o);
	char *err = kt_capture_end(&cap);
	CHECK_STR(err, "");
	free(err);
	return rc;
}

static void test_kwait_opts(void)
{
	char *dir = kt_tmpdir();
	char *kc = kt_write(dir, "kc", "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
			   "contexts:\n- name: c\n  context: { cluster: k, user: u }\n"
			   "clusters:\n- name: k\n  cluster: { server: \"https://127.0.0.1:1\", "
			   "insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: t }\n", 0600);
	const char *paths[] = { "/api/v1/namespaces?fieldSelector=metadata.name%3Dx" };
	struct kubeconfig cfg;
	struct kube *k;
	struct kt_capture cap;
	char *err;

	CHECK(kubeconfig_load(&cfg, kc, NULL) == 0);
	k = kube_new(&cfg, 4);
	CHECK(k != NULL);
	if (k == NULL)
		goto out;
	/* A failed list handed to the caller, which ends the wait: stopped, not a word said. */
	struct seen s1 = { .stop_after = 1000, .stop_on_list = 1 };
	CHECK(silent_wait(k, paths[0], &s1) == KWAIT_STOPPED);
	CHECK(s1.lists_failed == 1 && !s1.code_ok && s1.turns == 0);
	CHECK_STR(s1.path, paths[0]);
	/* Failed lists tried again while the turn goes on; the turn ends it. */
	struct seen s2 = { .stop_after = 3 };
	CHECK(silent_wait(k, paths[0], &s2) == KWAIT_STOPPED);
	CHECK(s2.turns == 3 && s2.lists_failed >= 1);
	/* The deadline: quiet, KWAIT_TIMEOUT; without the option, kwait's own line and -1. */
	struct kwait_opts o3 = { .quiet_timeout = 1 };
	kt_capture_begin(&cap);
	CHECK(kwait_opt(k, paths, 1, never, NULL, 0.2, "w", &o3) == KWAIT_TIMEOUT);
	CHECK(kwait_gone(k, "v1", "Namespace", NULL, "x", 0.2, "namespace 'x' was not deleted") == -1);
	err = kt_capture_end(&cap);
	CHECK(kt_lines(err) == 1);
	CHECK(strstr(err, "namespace 'x' was not deleted: still waiting after 0 s: cannot list "
			  "/api/v1/namespaces?fieldSelector=metadata.name%3Dx: ") != NULL);
	free(err);
	kube_free(k);
out:
	kubeconfig_free(&cfg);
	kt_rmrf(dir);
	free(kc);
	free(dir);
}

int main(void)
{
	test_list_paths();
	test_fields();
	test_owned_and_order();
	test_kwait_opts();
	UNIT_DONE("test_kobj");
}
