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
	const struct kobj_kind *r;
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
	r = kobj_kind(av, kind);
	if (r == NULL)
		return ydoc_error(d, kindn, "kind '%s' of apiVersion '%s' is not one kindctl applies", kind, av);
	if ((nsn = map_get(d, meta, "namespace")) != NULL && (ns = ydoc_str(d, nsn)) == NULL)
		return -1;
	if (r->namespaced && (ns == NULL || *ns == '\0'))
		ns = "default";
	if (!kobj_name_ok(name) || (r->namespaced && !kobj_name_ok(ns)))
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

/* ---- applying ---- */

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
