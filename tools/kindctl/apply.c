/* Manifests to the API server: documents split by libyaml, server-side apply of each as written. */
#include "apply.h"
#include "jsonf.h"
#include "msg.h"
#include "sbuf.h"
#include "ydoc.h"
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

static const struct kres {
	const char *api_version, *kind, *resource;
	int namespaced;
} kinds[] = {
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

static const struct kres *find_kind(const char *api_version, const char *kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].api_version, api_version) == 0 && strcmp(kinds[i].kind, kind) == 0)
			return &kinds[i];
	return NULL;
}

/* Names go into the path as they are: only what object names may hold, nothing to escape. */
static int path_safe(const char *s)
{
	if (*s == '\0' || strlen(s) > 253 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.' || *p == ':' || *p == '_'))
			return 0;
	return 1;
}

char *kobj_path(const char *api_version, const char *kind, const char *ns, const char *name)
{
	const struct kres *r = find_kind(api_version, kind);
	char *path = NULL;
	int n;

	if (r == NULL || !path_safe(name) || (r->namespaced && (ns == NULL || !path_safe(ns))))
		return NULL;
	const char *prefix = strchr(api_version, '/') ? "/apis/" : "/api/";
	if (r->namespaced)
		n = asprintf(&path, "%s%s/namespaces/%s/%s/%s", prefix, api_version, ns, r->resource, name);
	else
		n = asprintf(&path, "%s%s/%s/%s", prefix, api_version, r->resource, name);
	if (n < 0)
		dief(EXIT_TROUBLE, "out of memory");
	return path;
}

/* ---- splitting ---- */

/* libyaml's marks count characters; the text is UTF-8. */
static size_t byte_offset(const char *s, size_t len, size_t chars)
{
	size_t i = 0;

	while (i < len && chars > 0) {
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		chars--;
	}
	return i;
}

static yaml_node_t *map_get(struct ydoc *d, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ydoc_node(d, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp((const char *)k->data.scalar.value, key) == 0)
			return ydoc_node(d, p->value);
	}
	return NULL;
}

/* A required scalar field of map; NULL after printing why. */
static const char *field(struct ydoc *d, yaml_node_t *map, const char *key, const char *where)
{
	yaml_node_t *v = map_get(d, map, key);

	if (v == NULL) {
		ydoc_error(d, map, "missing key '%s%s'", where, key);
		return NULL;
	}
	const char *s = ydoc_str(d, v);
	if (s != NULL && *s == '\0') {
		ydoc_error(d, v, "'%s%s' is empty", where, key);
		return NULL;
	}
	return s;
}

static int one_object(struct ydoc *d, const char *base, size_t blen, struct mobj *o)
{
	yaml_node_t *root = ydoc_root(d), *meta, *kindn, *labels, *nsn, *own;
	const char *av, *kind, *name, *ns = NULL;
	const struct kres *r;
	char at[512];

	if (ydoc_expect(d, root, YAML_MAPPING_NODE) < 0)
		return -1;
	if ((av = field(d, root, "apiVersion", "")) == NULL || (kind = field(d, root, "kind", "")) == NULL)
		return -1;
	kindn = map_get(d, root, "kind");
	meta = map_get(d, root, "metadata");
	if (meta == NULL)
		return ydoc_error(d, root, "missing key 'metadata'");
	if (ydoc_expect(d, meta, YAML_MAPPING_NODE) < 0 || (name = field(d, meta, "name", "metadata.")) == NULL)
		return -1;
	r = find_kind(av, kind);
	if (r == NULL)
		return ydoc_error(d, kindn, "kind '%s' of apiVersion '%s' is not one kindctl applies", kind, av);
	if ((nsn = map_get(d, meta, "namespace")) != NULL && (ns = ydoc_str(d, nsn)) == NULL)
		return -1;
	if (r->namespaced && (ns == NULL || *ns == '\0'))
		ns = "default";
	if (!path_safe(name) || (r->namespaced && !path_safe(ns)))
		return ydoc_error(d, meta, "%s '%s%s%s' is not a usable object name", kind,
				  r->namespaced ? ns : "", r->namespaced ? "/" : "", name);
	labels = map_get(d, meta, "labels");
	own = map_get(d, labels, OWNER_LABEL);
	snprintf(at, sizeof(at), "%s:%zu:%zu", d->path, root->start_mark.line + 1, root->start_mark.column + 1);

	size_t from = byte_offset(base, blen, d->doc.start_mark.index);
	size_t to = byte_offset(base, blen, d->doc.end_mark.index);
	if (to < from)
		to = from;
	o->text = xmalloc(to - from + 1);
	memcpy(o->text, base + from, to - from);
	o->text[to - from] = '\0';
	o->api_version = xstrdup(av);
	o->kind = xstrdup(kind);
	o->name = xstrdup(name);
	o->ns = r->namespaced ? xstrdup(ns) : NULL;
	o->path = kobj_path(av, kind, ns, name);
	o->at = xstrdup(at);
	o->owned = own && own->type == YAML_SCALAR_NODE && strcmp((const char *)own->data.scalar.value, OWNER_VALUE) == 0;
	return 0;
}

static void mobj_free(struct mobj *o)
{
	free(o->api_version);
	free(o->kind);
	free(o->name);
	free(o->ns);
	free(o->path);
	free(o->text);
	free(o->at);
}

void mobj_free_all(struct mobj *objs, int n)
{
	for (int i = 0; i < n; i++)
		mobj_free(&objs[i]);
	free(objs);
}

int manifest_parse(const char *name, const char *text, size_t len, struct mobj **out)
{
	yaml_parser_t p;
	struct mobj *objs = NULL;
	int n = 0, cap = 0;

	*out = NULL;
	/* libyaml skips a byte-order mark without counting it in its marks. */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (!yaml_parser_initialize(&p))
		dief(EXIT_TROUBLE, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	for (;;) {
		struct ydoc d;

		memset(&d, 0, sizeof(d));
		d.path = xstrdup(name);
		if (!yaml_parser_load(&p, &d.doc)) {
			if (p.problem_mark.line || p.problem_mark.column)
				errorf("%s:%zu:%zu: %s%s%s", name, p.problem_mark.line + 1, p.problem_mark.column + 1,
				       p.problem ? p.problem : "YAML error", p.context ? " " : "", p.context ? p.context : "");
			else
				errorf("%s: %s", name, p.problem ? p.problem : "YAML error");
			free(d.path);
			goto fail;
		}
		d.loaded = 1;
		yaml_node_t *root = ydoc_root(&d);
		if (root == NULL) {		/* the end of the stream */
			ydoc_free(&d);
			break;
		}
		if (ydoc_is_null(root)) {	/* an empty document, as between two '---' */
			ydoc_free(&d);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			objs = xrealloc(objs, (size_t)cap * sizeof(*objs));
		}
		memset(&objs[n], 0, sizeof(objs[n]));
		int rc = one_object(&d, text, len, &objs[n]);
		ydoc_free(&d);
		if (rc < 0)
			goto fail;
		n++;
	}
	yaml_parser_delete(&p);
	*out = objs;
	return n;
fail:
	yaml_parser_delete(&p);
	mobj_free_all(objs, n);
	return -1;
}

/* ---- talking to the server ---- */

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

int kobj_owned(jv obj)
{
	jv meta = json_get(obj, "metadata"), labels = json_get(meta, "labels");
	const char *v = json_str(labels, OWNER_LABEL);
	int owned = v != NULL && strcmp(v, OWNER_VALUE) == 0;

	jv_free(labels);
	jv_free(meta);
	return owned;
}

int kobj_get(struct kube *k, const char *path, const char *what, jv *out)
{
	struct kube_result r;
	char why[512];
	int rc;

	kube_call(k, "GET", path, NULL, NULL, &r);
	if (r.code == CURLE_OK && r.status == 404) {
		rc = 0;
	} else if (r.code == CURLE_OK && r.status == 200 && jv_get_kind(r.json) == JV_KIND_OBJECT) {
		if (out)
			*out = jv_copy(r.json);
		rc = 1;
	} else {
		kube_why(&r, why, sizeof(why));
		rc = errorf("cannot read %s: %s", what, why);
	}
	kube_result_free(&r);
	return rc;
}

int kobj_delete(struct kube *k, const char *path, const char *what, int must_own)
{
	struct kube_result r;
	char why[512], *url = NULL;
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
	url = xasprintf("%s?propagationPolicy=Background", path);
	kube_call(k, "DELETE", url, NULL, NULL, &r);
	free(url);
	if (r.code == CURLE_OK && (r.status == 200 || r.status == 202 || r.status == 404)) {
		rc = 0;
	} else {
		kube_why(&r, why, sizeof(why));
		rc = errorf("cannot delete %s: %s", what, why);
	}
	kube_result_free(&r);
	return rc;
}

/* "Deployment 'monitoring/prometheus'" */
static void describe(const struct mobj *o, char *buf, size_t size)
{
	snprintf(buf, size, "%s '%s%s%s'", o->kind, o->ns ? o->ns : "", o->ns ? "/" : "", o->name);
}

/* Cluster-scoped objects are where a shared cluster's own things live: touch only ours. */
static int check_owned(struct kube *k, const struct mobj *objs, int n)
{
	char what[600];

	for (int i = 0; i < n; i++) {
		const struct mobj *o = &objs[i];
		jv cur;
		if (o->ns != NULL)
			continue;
		describe(o, what, sizeof(what));
		if (!o->owned)
			return errorf("%s: %s must carry the label %s=%s", o->at, what, OWNER_LABEL, OWNER_VALUE);
		int rc = kobj_get(k, o->path, what, &cur);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		jv meta = json_get(cur, "metadata");
		int deleting = json_str(meta, "deletionTimestamp") != NULL;
		int owned = kobj_owned(cur);
		jv_free(meta);
		jv_free(cur);
		if (!owned)
			return errorf("%s exists and was not made by the load test (no label %s=%s): refusing to change it",
				      what, OWNER_LABEL, OWNER_VALUE);
		if (deleting)
			return errorf("%s is still being deleted: try again once it is gone", what);
	}
	return 0;
}

int apply_objects(struct kube *k, const struct mobj *objs, int n, int flags)
{
	char what[600], why[1024], *url = NULL;

	if ((flags & APPLY_OWNED) && check_owned(k, objs, n) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct mobj *o = &objs[i];
		struct kube_result r;
		url = xasprintf("%s?fieldManager=%s&force=true%s", o->path, FIELD_MANAGER,
				(flags & APPLY_DRY_RUN) ? "&dryRun=All" : "");
		kube_call(k, "PATCH", url, o->text, "application/apply-patch+yaml", &r);
		free(url);
		int ok = r.code == CURLE_OK && (r.status == 200 || r.status == 201);
		if (!ok) {
			describe(o, what, sizeof(what));
			kube_why(&r, why, sizeof(why));
			kube_result_free(&r);
			return errorf("%s: cannot apply %s: %s", o->at, what, why);
		}
		kube_result_free(&r);
	}
	return 0;
}

int apply_manifest(struct kube *k, const char *name, const char *text, size_t len, int flags)
{
	struct mobj *objs;
	int n = manifest_parse(name, text, len, &objs);

	if (n < 0)
		return -1;
	int rc = apply_objects(k, objs, n, flags);
	mobj_free_all(objs, n);
	return rc;
}
