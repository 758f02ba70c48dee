/* Building the objects a scenario creates, and the changes its updates make. */
#include "manifest.h"
#include "msg.h"

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
	char *s = malloc((size_t)size + 1);

	if (s == NULL)
		dief(EXIT_TROUBLE, "out of memory");
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

jv manifest_workload(const struct workload *w, const struct graph *g, const char *scenario)
{
	jv app = set(jv_object(), "name", str("app")), init = jv_null();
	jv env_from = jv_array(), env = jv_array(), mounts = jv_array(), volumes = jv_array();
	jv init_env_from = jv_array(), projected = jv_array();
	long nvol = 0;
	const struct obj_spec *spec = w->spec;

	for (size_t r = 0; r < spec->nrefs; r++) {
		const struct ref_spec *ref = &spec->refs[r];
		const char *const_name = NULL;
		/* The object this ref resolved to when the graph was built (link_refs). */
		const char *err = NULL;
		char *want = pattern_expand(ref->name, w->idx, &err);
		long found = want ? graph_find_cfg(g, ref->kind, w->ns, want) : -1;
		free(want);
		if (found >= 0)
			const_name = g->cfg[found].name;
		if (const_name == NULL)
			continue;
		int secret = ref->kind == K_SECRET;
		for (size_t v = 0; v < ref->nvia; v++) {
			switch (ref->via[v]) {
			case VIA_ENVFROM:
				env_from = jv_array_append(env_from, set(jv_object(), secret ? "secretRef" : "configMapRef",
									  set(jv_object(), "name", str(const_name))));
				break;
			case VIA_INIT_ENVFROM:
				init_env_from = jv_array_append(init_env_from,
					set(jv_object(), secret ? "secretRef" : "configMapRef",
					    set(jv_object(), "name", str(const_name))));
				break;
			case VIA_ENV_KEY:
				for (size_t k = 0; k < ref->nkeys; k++) {
					char name[128];
					jv sel = set(set(jv_object(), "name", str(const_name)), "key", str(ref->keys[k]));
					env_name(ref->keys[k], (long)r, name, sizeof(name));
					env = jv_array_append(env, set(set(jv_object(), "name", str(name)), "valueFrom",
						set(jv_object(), secret ? "secretKeyRef" : "configMapKeyRef", sel)));
				}
				break;
			case VIA_VOLUME: {
				char vname[32], path[64];
				snprintf(vname, sizeof(vname), "vol-%ld", nvol);
				snprintf(path, sizeof(path), "/etc/loadtest/vol-%ld", nvol);
				nvol++;
				jv src = secret ? set(jv_object(), "secretName", str(const_name))
						: set(jv_object(), "name", str(const_name));
				volumes = jv_array_append(volumes, set(set(jv_object(), "name", str(vname)),
								     secret ? "secret" : "configMap", src));
				mounts = jv_array_append(mounts, set(set(jv_object(), "name", str(vname)), "mountPath",
								   str(path)));
				break;
			}
			case VIA_PROJECTED:
				projected = jv_array_append(projected, set(jv_object(), secret ? "secret" : "configMap",
									    set(jv_object(), "name", str(const_name))));
				break;
			}
		}
	}
	if (jv_array_length(jv_copy(projected)) > 0) {
		volumes = jv_array_append(volumes, set(set(jv_object(), "name", str("projected")), "projected",
						       set(jv_object(), "sources", projected)));
		mounts = jv_array_append(mounts, set(set(jv_object(), "name", str("projected")), "mountPath",
						   str("/etc/loadtest/projected")));
	} else {
		jv_free(projected);
	}

	jv resources = set(set(jv_object(), "requests", set(set(jv_object(), "cpu", str("1m")), "memory", str("4Mi"))),
			   "limits", set(set(jv_object(), "cpu", str("10m")), "memory", str("16Mi")));
	jv cmd = jv_array_append(jv_array_append(jv_array_append(jv_array(), str("sh")), str("-c")),
				 str("sleep 999999999"));
	app = set(app, "image", str(BUSYBOX));
	app = set(app, "command", cmd);
	app = set(app, "resources", jv_copy(resources));
	if (jv_array_length(jv_copy(env_from)) > 0)
		app = set(app, "envFrom", env_from);
	else
		jv_free(env_from);
	if (jv_array_length(jv_copy(env)) > 0)
		app = set(app, "env", env);
	else
		jv_free(env);
	if (jv_array_length(jv_copy(mounts)) > 0)
		app = set(app, "volumeMounts", mounts);
	else
		jv_free(mounts);
	if (jv_array_length(jv_copy(init_env_from)) > 0) {
		jv c = set(jv_object(), "name", str("init"));
		c = set(c, "image", str(BUSYBOX));
		c = set(c, "command", jv_array_append(jv_array_append(jv_array_append(jv_array(), str("sh")),
								      str("-c")), str("true")));
		c = set(c, "resources", jv_copy(resources));
		c = set(c, "envFrom", init_env_from);
		jv_free(init);
		init = jv_array_append(jv_array(), c);
	} else {
		jv_free(init_env_from);
	}
	jv_free(resources);

	jv pod = set(jv_object(), "terminationGracePeriodSeconds", jv_number(0));
	pod = set(pod, "containers", jv_array_append(jv_array(), app));
	if (jv_get_kind(init) == JV_KIND_ARRAY)
		pod = set(pod, "initContainers", init);
	else
		jv_free(init);
	if (jv_array_length(jv_copy(volumes)) > 0)
		pod = set(pod, "volumes", volumes);
	else
		jv_free(volumes);

	jv labels = set(set(jv_object(), "app", str(w->name)), LABEL_SCENARIO, str(scenario));
	jv tmpl = set(set(jv_object(), "metadata", set(jv_object(), "labels", jv_copy(labels))), "spec", pod);
	jv spec_o = set(jv_object(), "selector", set(jv_object(), "matchLabels", set(jv_object(), "app", str(w->name))));
	spec_o = set(spec_o, "template", tmpl);
	jv rolling = set(set(jv_object(), "maxSurge", jv_number(1)), "maxUnavailable", jv_number(1));
	switch (w->kind) {
	case K_DEPLOYMENT:
		spec_o = set(spec_o, "replicas", jv_number(1));
		spec_o = set(spec_o, "strategy", set(set(jv_object(), "type", str("RollingUpdate")), "rollingUpdate", rolling));
		break;
	case K_STATEFULSET:
		jv_free(rolling);
		spec_o = set(spec_o, "replicas", jv_number(1));
		spec_o = set(spec_o, "serviceName", str(w->name));
		spec_o = set(spec_o, "updateStrategy", set(jv_object(), "type", str("RollingUpdate")));
		break;
	default:
		jv_free(rolling);
		spec_o = set(spec_o, "updateStrategy", set(set(jv_object(), "type", str("RollingUpdate")), "rollingUpdate",
							    set(jv_object(), "maxUnavailable", jv_number(1))));
		break;
	}

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
	return set(o, "spec", spec_o);
}

static const char *plural(enum obj_kind k)
{
	switch (k) {
	case K_CONFIGMAP: return "configmaps";
	case K_SECRET: return "secrets";
	case K_DEPLOYMENT: return "deployments";
	case K_STATEFULSET: return "statefulsets";
	case K_DAEMONSET: return "daemonsets";
	default: return "?";
	}
}

char *api_collection(enum obj_kind k, const char *ns)
{
	char *p = NULL;

	if (asprintf(&p, "%s/namespaces/%s/%s", kind_is_workload(k) ? "/apis/apps/v1" : "/api/v1", ns, plural(k)) < 0)
		dief(EXIT_TROUBLE, "out of memory");
	return p;
}

char *api_object(enum obj_kind k, const char *ns, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/namespaces/%s/%s/%s", kind_is_workload(k) ? "/apis/apps/v1" : "/api/v1", ns, plural(k),
		     name) < 0)
		dief(EXIT_TROUBLE, "out of memory");
	return p;
}

const char *api_all(enum obj_kind k)
{
	switch (k) {
	case K_DEPLOYMENT: return "/apis/apps/v1/deployments";
	case K_STATEFULSET: return "/apis/apps/v1/statefulsets";
	case K_DAEMONSET: return "/apis/apps/v1/daemonsets";
	default: return NULL;
	}
}

jv manifest_change(jv obj, enum obj_kind k, const struct update_spec *u, unsigned long seq)
{
	char stamp[64];

	snprintf(stamp, sizeof(stamp), "%lu", seq);
	if (u->change == CH_NOOP) {
		/* Same data, only metadata changes: a correct controller skips it. */
		jv m = jv_object_get(jv_copy(obj), str("metadata"));
		jv a = jv_object_get(jv_copy(m), str("annotations"));
		if (jv_get_kind(a) != JV_KIND_OBJECT) {
			jv_free(a);
			a = jv_object();
		}
		a = set(a, ANNOT_TOUCH, str(stamp));
		m = set(m, "annotations", a);
		return set(obj, "metadata", m);
	}
	/* ConfigMaps are changed in data; Secrets through stringData, which overrides data. */
	jv data = jv_object_get(jv_copy(obj), str("data"));
	jv out = jv_object();
	if (jv_get_kind(data) != JV_KIND_OBJECT) {
		jv_free(data);
		data = jv_object();
	}
	if (u->change == CH_TAIL) {
		const char *key = u->nkeys ? u->keys[0] : NULL;
		jv keys = jv_keys(jv_copy(data));
		if (key == NULL && jv_array_length(jv_copy(keys)) > 0) {
			jv k0 = jv_array_get(jv_copy(keys), 0);
			snprintf(stamp, sizeof(stamp), "%s", jv_string_value(k0));
			jv_free(k0);
			key = stamp;
		}
		char tail[32];
		snprintf(tail, sizeof(tail), "%012lu", seq);
		if (key && k == K_CONFIGMAP) {
			jv v = jv_object_get(jv_copy(data), str(key));
			if (jv_get_kind(v) == JV_KIND_STRING) {
				size_t len = (size_t)jv_string_length_bytes(jv_copy(v));
				char *s = strdup(jv_string_value(v));
				if (s == NULL)
					dief(EXIT_TROUBLE, "out of memory");
				size_t tl = strlen(tail);
				if (len >= tl)
					memcpy(s + len - tl, tail, tl);
				data = set(data, key, str(s));
				free(s);
			} else {
				data = set(data, key, str(tail));
			}
			jv_free(v);
		} else if (key) {
			out = set(out, key, str(tail));
		}
		jv_free(keys);
	} else {
		char val[64];
		snprintf(val, sizeof(val), "value-%lu", seq);
		if (u->nkeys) {
			for (size_t i = 0; i < u->nkeys; i++) {
				if (k == K_CONFIGMAP)
					data = set(data, u->keys[i], str(val));
				else
					out = set(out, u->keys[i], str(val));
			}
		} else {
			jv keys = jv_keys(jv_copy(data));
			int n = jv_array_length(jv_copy(keys));
			if (n == 0) {
				if (k == K_CONFIGMAP)
					data = set(data, "key", str(val));
				else
					out = set(out, "key", str(val));
			}
			for (int i = 0; i < n; i++) {
				jv key = jv_array_get(jv_copy(keys), i);
				if (k == K_CONFIGMAP)
					data = set(data, jv_string_value(key), str(val));
				else
					out = set(out, jv_string_value(key), str(val));
				jv_free(key);
			}
			jv_free(keys);
		}
	}
	obj = set(obj, "data", data);
	if (k == K_SECRET)
		obj = set(obj, "stringData", out);
	else
		jv_free(out);
	return obj;
}
