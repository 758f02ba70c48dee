/* Kubernetes objects: a connection, the kinds we know and their paths, get and delete by path, fields. */
#include "kobj.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kconn_open(struct kconn *c, const char *paths, const char *context)
{
	memset(c, 0, sizeof(*c));
	if (kubeconfig_load(&c->cfg, paths, context) < 0)
		return -1;
	/* A few requests at a time: applies go in order, waits are watches. */
	c->k = kube_new(&c->cfg, 4);
	if (c->k == NULL) {
		kubeconfig_free(&c->cfg);
		return -1;
	}
	return 0;
}

void kconn_close(struct kconn *c)
{
	if (c->k == NULL)
		return;
	kube_free(c->k);
	kubeconfig_free(&c->cfg);
	c->k = NULL;
}

/* ---- kinds and their REST paths ---- */

static const struct kobj_kind kinds[] = {
	{ "v1", "Namespace", "namespaces", 0 },
	{ "v1", "ServiceAccount", "serviceaccounts", 1 },
	{ "v1", "ConfigMap", "configmaps", 1 },
	{ "v1", "Secret", "secrets", 1 },
	{ "v1", "Service", "services", 1 },
	{ "v1", "Pod", "pods", 1 },
	{ "apps/v1", "Deployment", "deployments", 1 },
	{ "apps/v1", "StatefulSet", "statefulsets", 1 },
	{ "apps/v1", "DaemonSet", "daemonsets", 1 },
	{ "rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", 0 },
	{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", 0 },
	{ "rbac.authorization.k8s.io/v1", "Role", "roles", 1 },
	{ "rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", 1 },
};

const struct kobj_kind *kobj_kind(const char *api_version, const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].api_version, api_version) == 0 && strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

int kobj_name_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 253 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.' || *p == ':' || *p == '_'))
			return 0;
	return 1;
}

/* "/api/v1" or "/apis/GROUP/VERSION", then "/namespaces/NS" when the kind lives in one. */
static char *kind_base(const struct kobj_kind *r, const char *ns)
{
	const char *prefix = strchr(r->api_version, '/') ? "/apis/" : "/api/";

	if (r->namespaced && ns != NULL)
		return xasprintf("%s%s/namespaces/%s/%s", prefix, r->api_version, ns, r->resource);
	return xasprintf("%s%s/%s", prefix, r->api_version, r->resource);
}

char *kobj_path(const char *api_version, const char *kind, const char *ns, const char *name)
{
	const struct kobj_kind *r = kobj_kind(api_version, kind);

	if (r == NULL || !kobj_name_ok(name) || (r->namespaced && (ns == NULL || !kobj_name_ok(ns))))
		return NULL;
	char *base = kind_base(r, ns), *path = xasprintf("%s/%s", base, name);
	free(base);
	return path;
}

char *kobj_list_path(const char *api_version, const char *kind, const char *ns)
{
	const struct kobj_kind *r = kobj_kind(api_version, kind);

	if (r == NULL || (r->namespaced && ns != NULL && !kobj_name_ok(ns)))
		return NULL;
	return kind_base(r, ns);
}

/* ---- objects by path ---- */

void kube_why(const struct kube_result *r, char *buf, size_t size)
{
	const char *m;

	if (r->code != CURLE_OK) {
		snprintf(buf, size, "%s", r->error);
	} else if ((m = json_str(r->json, "message")) != NULL) {
		snprintf(buf, size, "HTTP %ld: %s", r->status, m);
	} else if (r->body_len > 0) {
		size_t n = strcspn(r->body, "\r\n");
		snprintf(buf, size, "HTTP %ld: %.*s", r->status, (int)(n > 200 ? 200 : n), r->body);
	} else {
		snprintf(buf, size, "HTTP %ld", r->status);
	}
}

int kobj_has_label(jv obj, const char *key, const char *value)
{
	jv meta = json_get(obj, "metadata"), labels = json_get(meta, "labels");
	const char *v = json_str(labels, key);
	int has = v != NULL && (value == NULL || strcmp(v, value) == 0);

	jv_free(labels);
	jv_free(meta);
	return has;
}

int kobj_owned(jv obj)
{
	return kobj_has_label(obj, OWNER_LABEL, OWNER_VALUE);
}

int kobj_get_answer(struct kube *k, const char *path, jv *out, struct kube_result *res)
{
	kube_call(k, "GET", path, NULL, NULL, res);
	if (res->code != CURLE_OK)
		return -1;
	if (res->status == 404)
		return 0;
	if (res->status != 200 || jv_get_kind(res->json) != JV_KIND_OBJECT)
		return -1;
	if (out)
		*out = jv_copy(res->json);
	return 1;
}

int kobj_get(struct kube *k, const char *path, const char *what, jv *out)
{
	struct kube_result r;
	char why[512];
	int rc = kobj_get_answer(k, path, out, &r);

	if (rc < 0) {
		kube_why(&r, why, sizeof(why));
		errorf("cannot read %s: %s", what, why);
	}
	kube_result_free(&r);
	return rc;
}

int kobj_delete_answer(struct kube *k, const char *path, struct kube_result *res)
{
	char *url = xasprintf("%s?propagationPolicy=Background", path);

	kube_call(k, "DELETE", url, NULL, NULL, res);
	free(url);
	if (res->code != CURLE_OK)
		return -1;
	if (res->status == 404)
		return 0;
	return res->status == 200 || res->status == 202 || res->status == 409 ? 1 : -1;
}

int kobj_delete(struct kube *k, const char *path, const char *what, int must_own)
{
	struct kube_result r;
	char why[512];
	int rc;

	if (must_own) {
		jv obj;
		rc = kobj_get(k, path, what, &obj);
		if (rc <= 0)
			return rc;
		int owned = kobj_owned(obj);
		jv_free(obj);
		if (!owned)
			return errorf("%s was not made by the load test (no label %s=%s): left alone", what,
				      OWNER_LABEL, OWNER_VALUE);
	}
	rc = kobj_delete_answer(k, path, &r);
	if (rc < 0) {
		kube_why(&r, why, sizeof(why));
		errorf("cannot delete %s: %s", what, why);
	}
	kube_result_free(&r);
	return rc < 0 ? -1 : 0;
}

/* ---- fields of objects ---- */

jv kobj_field(jv obj, const char *a, const char *b)
{
	jv x = json_get(obj, a), y = json_get(x, b);

	jv_free(x);
	return y;
}

double kobj_num(jv obj, double dflt, const char *a, const char *b)
{
	jv x = kobj_field(obj, a, b);
	double d = jv_get_kind(x) == JV_KIND_NUMBER ? jv_number_value(x) : dflt;

	jv_free(x);
	return d;
}

const char *kobj_str(jv obj, const char *a, const char *b, char *buf, size_t size)
{
	jv x = kobj_field(obj, a, b);

	snprintf(buf, size, "%s", jv_get_kind(x) == JV_KIND_STRING ? jv_string_value(x) : "");
	jv_free(x);
	return buf;
}

int kobj_deleting(jv obj)
{
	char ts[64];

	return *kobj_str(obj, "metadata", "deletionTimestamp", ts, sizeof(ts)) != '\0';
}

int kobj_condition(jv obj, const char *t, char *reason, size_t size)
{
	jv conds = kobj_field(obj, "status", "conditions");
	int found = 0, n = jv_get_kind(conds) == JV_KIND_ARRAY ? jv_array_length(jv_copy(conds)) : 0;

	if (reason)
		*reason = '\0';
	for (int i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(conds), i);
		const char *type = json_str(c, "type"), *st = json_str(c, "status"), *r = json_str(c, "reason");
		if (type && strcmp(type, t) == 0) {
			found = st && strcmp(st, "True") == 0;
			if (reason)
				snprintf(reason, size, "%s", r ? r : "");
			jv_free(c);
			break;
		}
		jv_free(c);
	}
	jv_free(conds);
	return found;
}

static int by_creation(const void *a, const void *b)
{
	jv x = *(const jv *)a, y = *(const jv *)b;
	jv mx = json_get(x, "metadata"), my = json_get(y, "metadata");
	const char *cx = json_str(mx, "creationTimestamp"), *cy = json_str(my, "creationTimestamp");
	int c = strcmp(cx ? cx : "", cy ? cy : "");

	/* RFC 3339 times of one server compare as strings; a tie goes by name. */
	if (c == 0) {
		const char *nx = json_str(mx, "name"), *ny = json_str(my, "name");
		c = strcmp(nx ? nx : "", ny ? ny : "");
	}
	jv_free(mx);
	jv_free(my);
	return c;
}

/* Consumes v[0..n), returns them as an array oldest first. */
static jv sorted(jv *v, int n)
{
	jv out = jv_array();

	qsort(v, (size_t)n, sizeof(*v), by_creation);
	for (int i = 0; i < n; i++)
		out = jv_array_append(out, v[i]);
	return out;
}

jv kobj_by_creation(jv arr)
{
	int n = jv_array_length(jv_copy(arr));
	jv *v = xcalloc((size_t)n + 1, sizeof(*v));

	for (int i = 0; i < n; i++)
		v[i] = jv_array_get(jv_copy(arr), i);
	jv_free(arr);
	jv out = sorted(v, n);
	free(v);
	return out;
}
