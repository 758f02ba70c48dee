/* Building the objects a scenario creates, and the changes its updates make. */
#include "manifest.h"
#include "kobj.h"
#include "msg.h"
#include "wrapper.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSYBOX "gcr.io/google-containers/busybox:1.27"

static jv str(const char *s)
{
	return jv_string(s);
}

static jv set(jv o, const char *k, jv v)
{
	return jv_object_set(o, str(k), v);
}

static jv meta(const char *name, const char *ns, const char *scenario)
{
	jv m = set(jv_object(), "name", str(name));

	if (ns)
		m = set(m, "namespace", str(ns));
	return set(m, "labels", set(jv_object(), LABEL_SCENARIO, str(scenario)));
}

jv manifest_namespace(const char *ns, const char *scenario)
{
	jv o = set(jv_object(), "apiVersion", str("v1"));

	o = set(o, "kind", str("Namespace"));
	return set(o, "metadata", meta(ns, NULL, scenario));
}

static char *repeat_to(const char *text, long size)
{
	size_t n = strlen(text);
	char *s = xmalloc((size_t)size + 1);

	for (long i = 0; i < size; i++)
		s[i] = text[(size_t)i % n];
	s[size] = '\0';
	return s;
}

jv manifest_cfg(const struct cfgobj *c, const char *scenario)
{
	jv o = set(jv_object(), "apiVersion", str("v1")), data = jv_object();

	o = set(o, "kind", str(kind_name(c->kind)));
	o = set(o, "metadata", meta(c->name, c->ns, scenario));
	for (size_t i = 0; i < c->spec->ndata; i++) {
		const struct data_spec *d = &c->spec->data[i];
		if (d->size > 0) {
			char *v = repeat_to(d->value, d->size);
			data = set(data, d->key, str(v));
			free(v);
		} else {
			data = set(data, d->key, str(d->value));
		}
	}
	/* Secrets take plain text through stringData; the API server encodes it. */
	return set(o, c->kind == K_SECRET ? "stringData" : "data", data);
}

static void env_name(const char *key, long n, char *buf, size_t size)
{
	size_t i = 0;

	for (; key[i] && i + 8 < size; i++)
		buf[i] = isalnum((unsigned char)key[i]) ? (char)toupper((unsigned char)key[i]) : '_';
	snprintf(buf + i, size - i, "_%ld", n);
}

/* A workload's pod, gathered ref by ref: what its containers and volumes get. */
struct pod_parts {
	jv env_from, env, mounts, volumes, init_env_from, projected;
	long nvol;
};

/* {ref_key: {name: name}}: an envFrom entry or a projected source. */
static jv name_ref(const char *ref_key, const char *name)
{
	return set(jv_object(), ref_key, set(jv_object(), "name", str(name)));
}

/* Keys read one by one through valueFrom, as env variables KEY_r. */
static void add_env_keys(struct pod_parts *p, const struct ref_spec *ref, size_t r, const char *name)
{
	int secret = ref->kind == K_SECRET;

	for (size_t k = 0; k < ref->nkeys; k++) {
		char var[128];
		jv sel = set(set(jv_object(), "name", str(name)), "key", str(ref->keys[k]));
		env_name(ref->keys[k], (long)r, var, sizeof(var));
		p->env = jv_array_append(p->env, set(set(jv_object(), "name", str(var)), "valueFrom",
			set(jv_object(), secret ? "secretKeyRef" : "configMapKeyRef", sel)));
	}
}

static void add_volume(struct pod_parts *p, int secret, const char *name)
{
	char vname[32], path[64];

	snprintf(vname, sizeof(vname), "vol-%ld", p->nvol);
	snprintf(path, sizeof(path), "/etc/loadtest/vol-%ld", p->nvol);
	p->nvol++;
	jv src = secret ? set(jv_object(), "secretName", str(name)) : set(jv_object(), "name", str(name));
	p->volumes = jv_array_append(p->volumes, set(set(jv_object(), "name", str(vname)),
						     secret ? "secret" : "configMap", src));
	p->mounts = jv_array_append(p->mounts, set(set(jv_object(), "name", str(vname)), "mountPath", str(path)));
}

/* Ref r of the workload, to the object name, in every way it is referenced. */
static void add_ref(struct pod_parts *p, const struct ref_spec *ref, size_t r, const char *name)
{
	int secret = ref->kind == K_SECRET;
	const char *by = secret ? "secretRef" : "configMapRef";

	for (size_t v = 0; v < ref->nvia; v++) {
		switch (ref->via[v]) {
		case VIA_ENVFROM:
			p->env_from = jv_array_append(p->env_from, name_ref(by, name));
			break;
		case VIA_INIT_ENVFROM:
			p->init_env_from = jv_array_append(p->init_env_from, name_ref(by, name));
			break;
		case VIA_ENV_KEY:
			add_env_keys(p, ref, r, name);
			break;
		case VIA_VOLUME:
			add_volume(p, secret, name);
			break;
		case VIA_PROJECTED:
			p->projected = jv_array_append(p->projected, name_ref(secret ? "secret" : "configMap", name));
			break;
		}
	}
}

/* o with key set to list when the list is not empty (else the list is freed). */
static jv set_nonempty(jv o, const char *key, jv list)
{
	if (jv_array_length(jv_copy(list)) > 0)
		return set(o, key, list);
	jv_free(list);
	return o;
}

static jv sh_command(const char *script)
{
	return jv_array_append(jv_array_append(jv_array_append(jv_array(), str("sh")), str("-c")), str(script));
}

static jv resources(void)
{
	return set(set(jv_object(), "requests", set(set(jv_object(), "cpu", str("1m")), "memory", str("4Mi"))),
		   "limits", set(set(jv_object(), "cpu", str("10m")), "memory", str("16Mi")));
}

/* The pod spec from the gathered parts (consumed). */
static jv pod_spec(struct pod_parts *p)
{
	if (jv_array_length(jv_copy(p->projected)) > 0) {
		p->volumes = jv_array_append(p->volumes, set(set(jv_object(), "name", str("projected")), "projected",
							     set(jv_object(), "sources", p->projected)));
		p->mounts = jv_array_append(p->mounts, set(set(jv_object(), "name", str("projected")), "mountPath",
							 str("/etc/loadtest/projected")));
	} else {
		jv_free(p->projected);
	}
	jv app = set(jv_object(), "name", str("app"));
	app = set(app, "image", str(BUSYBOX));
	app = set(app, "command", sh_command("sleep 999999999"));
	app = set(app, "resources", resources());
	app = set_nonempty(app, "envFrom", p->env_from);
	app = set_nonempty(app, "env", p->env);
	app = set_nonempty(app, "volumeMounts", p->mounts);

	jv pod = set(jv_object(), "terminationGracePeriodSeconds", jv_number(0));
	pod = set(pod, "containers", jv_array_append(jv_array(), app));
	if (jv_array_length(jv_copy(p->init_env_from)) > 0) {
		jv c = set(jv_object(), "name", str("init"));
		c = set(c, "image", str(BUSYBOX));
		c = set(c, "command", sh_command("true"));
		c = set(c, "resources", resources());
		c = set(c, "envFrom", p->init_env_from);
		pod = set(pod, "initContainers", jv_array_append(jv_array(), c));
	} else {
		jv_free(p->init_env_from);
	}
	return set_nonempty(pod, "volumes", p->volumes);
}

/* The workload's spec around its pod template: replicas and rollout strategy by kind. */
static jv workload_spec(const struct workload *w, jv tmpl)
{
	jv spec = set(jv_object(), "selector", set(jv_object(), "matchLabels", set(jv_object(), "app", str(w->name))));

	spec = set(spec, "template", tmpl);
	switch (w->kind) {
	case K_DEPLOYMENT: {
		jv rolling = set(set(jv_object(), "maxSurge", jv_number(1)), "maxUnavailable", jv_number(1));
		spec = set(spec, "replicas", jv_number(1));
		return set(spec, "strategy", set(set(jv_object(), "type", str("RollingUpdate")), "rollingUpdate", rolling));
	}
	case K_STATEFULSET:
		spec = set(spec, "replicas", jv_number(1));
		spec = set(spec, "serviceName", str(w->name));
		return set(spec, "updateStrategy", set(jv_object(), "type", str("RollingUpdate")));
	default:
		return set(spec, "updateStrategy", set(set(jv_object(), "type", str("RollingUpdate")), "rollingUpdate",
						       set(jv_object(), "maxUnavailable", jv_number(1))));
	}
}

jv manifest_workload(const struct workload *w, const struct graph *g, const char *scenario)
{
	struct pod_parts p = {
		.env_from = jv_array(), .env = jv_array(), .mounts = jv_array(), .volumes = jv_array(),
		.init_env_from = jv_array(), .projected = jv_array(),
	};
	const struct obj_spec *spec = w->spec;

	for (size_t r = 0; r < spec->nrefs; r++) {
		const struct ref_spec *ref = &spec->refs[r];
		/*
		 * The object this ref resolved to when the graph was built (link_refs). The graph
		 * keeps each object once per workload, not once per ref, so the name is found again.
		 */
		const char *err = NULL;
		char *want = pattern_expand(ref->name, w->idx, &err);
		long found = want ? graph_find_cfg(g, ref->kind, w->ns, want) : -1;
		free(want);
		if (found >= 0)
			add_ref(&p, ref, r, g->cfg[found].name);
	}

	jv labels = set(set(jv_object(), "app", str(w->name)), LABEL_SCENARIO, str(scenario));
	jv tmpl = set(set(jv_object(), "metadata", set(jv_object(), "labels", jv_copy(labels))), "spec", pod_spec(&p));
	jv annotations = jv_object();
	if (spec->auto_annotation)
		annotations = set(annotations, "reloader.stakater.com/auto", str("true"));
	for (size_t i = 0; i < spec->nannotations; i++)
		annotations = set(annotations, spec->annotations[i].key, str(spec->annotations[i].value));
	jv m = set(set(set(jv_object(), "name", str(w->name)), "namespace", str(w->ns)), "labels", labels);
	m = set(m, "annotations", annotations);

	jv o = set(jv_object(), "apiVersion", str("apps/v1"));
	o = set(o, "kind", str(kind_name(w->kind)));
	o = set(o, "metadata", m);
	return set(o, "spec", workload_spec(w, tmpl));
}

/* The API group and version of a kind, as kobj's path table knows it. */
static const char *api_version(enum obj_kind k)
{
	return kind_is_workload(k) ? "apps/v1" : "v1";
}

/* Every name a scenario makes is a checked Kubernetes name: kobj knows the kind and takes it. */
static char *must_path(char *p, enum obj_kind k, const char *ns)
{
	if (p == NULL)
		dief(EXIT_TROUBLE, "no REST path for %s in namespace '%s'", kind_name(k), ns);
	return p;
}

char *api_collection(enum obj_kind k, const char *ns)
{
	return must_path(kobj_list_path(api_version(k), kind_name(k), ns), k, ns);
}

char *api_object(enum obj_kind k, const char *ns, const char *name)
{
	return must_path(kobj_path(api_version(k), kind_name(k), ns, name), k, ns);
}

/* Same data, only metadata changes: a correct controller skips it. */
static jv change_noop(jv obj, unsigned long seq)
{
	char stamp[32];
	jv m = jv_object_get(jv_copy(obj), str("metadata"));
	jv a = jv_object_get(jv_copy(m), str("annotations"));

	snprintf(stamp, sizeof(stamp), "%lu", seq);
	if (jv_get_kind(a) != JV_KIND_OBJECT) {
		jv_free(a);
		a = jv_object();
	}
	a = set(a, ANNOT_TOUCH, str(stamp));
	m = set(m, "annotations", a);
	return set(obj, "metadata", m);
}

/*
 * What a change writes: a ConfigMap's data is changed in place; a Secret's new values go
 * to stringData (which overrides data), data staying as it was.
 */
struct change {
	enum obj_kind kind;
	jv data, string_data;
};

static void change_set(struct change *c, const char *key, const char *value)
{
	if (c->kind == K_CONFIGMAP)
		c->data = set(c->data, key, str(value));
	else
		c->string_data = set(c->string_data, key, str(value));
}

/* The last characters of one key's value become the sequence number (the size stays). */
static void change_tail(struct change *c, const struct update_spec *u, unsigned long seq)
{
	const char *key = u->nkeys ? u->keys[0] : NULL;
	char first[256], tail[32];
	jv keys = jv_keys(jv_copy(c->data));

	if (key == NULL && jv_array_length(jv_copy(keys)) > 0) {
		jv k0 = jv_array_get(jv_copy(keys), 0);
		snprintf(first, sizeof(first), "%s", jv_string_value(k0));
		jv_free(k0);
		key = first;
	}
	jv_free(keys);
	if (key == NULL)
		return;
	snprintf(tail, sizeof(tail), "%012lu", seq);
	if (c->kind != K_CONFIGMAP) {
		change_set(c, key, tail);
		return;
	}
	jv v = jv_object_get(jv_copy(c->data), str(key));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		size_t len = (size_t)jv_string_length_bytes(jv_copy(v)), tl = strlen(tail);
		char *s = xstrdup(jv_string_value(v));
		if (len >= tl)
			memcpy(s + len - tl, tail, tl);
		change_set(c, key, s);
		free(s);
	} else {
		change_set(c, key, tail);
	}
	jv_free(v);
}

/* The keys named (else every key, else "key") get "value-SEQ". */
static void change_data(struct change *c, const struct update_spec *u, unsigned long seq)
{
	char val[64];

	snprintf(val, sizeof(val), "value-%lu", seq);
	if (u->nkeys) {
		for (size_t i = 0; i < u->nkeys; i++)
			change_set(c, u->keys[i], val);
		return;
	}
	jv keys = jv_keys(jv_copy(c->data));
	int n = jv_array_length(jv_copy(keys));
	if (n == 0)
		change_set(c, "key", val);
	for (int i = 0; i < n; i++) {
		jv key = jv_array_get(jv_copy(keys), i);
		change_set(c, jv_string_value(key), val);
		jv_free(key);
	}
	jv_free(keys);
}

jv manifest_change(jv obj, enum obj_kind k, const struct update_spec *u, unsigned long seq)
{
	if (u->change == CH_NOOP)
		return change_noop(obj, seq);

	struct change c = { k, jv_object_get(jv_copy(obj), str("data")), jv_object() };
	if (jv_get_kind(c.data) != JV_KIND_OBJECT) {
		jv_free(c.data);
		c.data = jv_object();
	}
	if (u->change == CH_TAIL)
		change_tail(&c, u, seq);
	else
		change_data(&c, u, seq);
	obj = set(obj, "data", c.data);
	if (k == K_SECRET)
		obj = set(obj, "stringData", c.string_data);
	else
		jv_free(c.string_data);
	return obj;
}
