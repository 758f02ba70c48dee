/* Unit tests of kobj.c's pure parts: list paths, fields and conditions of objects, age order.
   (Object paths are tested in test_kindctl.c; get, delete and kwait against an API server in
   tests/kindctl-kind.bats.) */
#include "jsonf.h"
#include "kobj.h"
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

int main(void)
{
	test_list_paths();
	test_fields();
	test_owned_and_order();
	UNIT_DONE("test_kobj");
}
