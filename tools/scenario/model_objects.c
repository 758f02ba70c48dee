/* The scenario file's objects: ConfigMaps, Secrets and workloads, and what references what. */
#include "model_yaml.h"
#include "arena.h"

#include <stddef.h>
#include <string.h>

/* ---- refs ---- */

static const char *const via_names[] = { "env_from", "init_env_from", "env_key", "volume", "projected" };
#define NVIA (sizeof(via_names) / sizeof(via_names[0]))

/* The index of a way of referencing, or NVIA. */
static size_t via_index(const char *s)
{
	size_t k;

	for (k = 0; k < NVIA && strcmp(s, via_names[k]) != 0; k++)
		;
	return k;
}

static int ref_via(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct ref_spec *r = base;
	yaml_node_t *item;

	(void)x;
	if (v->type == YAML_SCALAR_NODE) {
		/* A single way of referencing. */
		size_t k = via_index((char *)v->data.scalar.value);
		if (k == NVIA)
			return ydoc_error(d, v, "unknown via '%s' (env_from, init_env_from, env_key, volume, projected)",
					  (char *)v->data.scalar.value);
		r->via[0] = (enum ref_via)k;
		r->nvia = 1;
		return 0;
	}
	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	r->nvia = 0;
	YDOC_SEQ_EACH(d, v, item) {
		const char *s = ydoc_str(d, item);
		if (s == NULL)
			return -1;
		size_t k = via_index(s);
		if (k == NVIA)
			return ydoc_error(d, item, "unknown via '%s' (env_from, init_env_from, env_key, volume, "
					  "projected)", s);
		if (r->nvia >= 8)
			return ydoc_error(d, item, "too many ways of referencing");
		r->via[r->nvia++] = (enum ref_via)k;
	}
	if (r->nvia == 0)
		return ydoc_error(d, v, "via needs at least one entry");
	return 0;
}

static const struct field ref_fields[] = {
	{ "kind", F_KIND, 1, .off = offsetof(struct ref_spec, kind), .min = 0 },
	{ "name", F_PATTERN, 1, .off = offsetof(struct ref_spec, name), .off2 = offsetof(struct ref_spec, at) },
	{ "via", F_FN, 0, .fn = ref_via },
	{ "keys", F_STRS, 0, .off = offsetof(struct ref_spec, keys), .off2 = offsetof(struct ref_spec, nkeys), .max = 4 },
	{ .key = NULL },
};

/* ---- objects ---- */

static int data_repeat(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct data_spec *ds = base;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0')
		return ydoc_error(d, v, "repeat needs some text");
	ds->value = sdup(x, s);
	return 0;
}

static const struct field data_fields[] = {
	{ "repeat", F_FN, 1, .fn = data_repeat },
	/* The API server refuses objects over about 1 MiB. */
	{ "size", F_LONG, 1, .off = offsetof(struct data_spec, size), .min = 1, .max = 900 * 1024 },
	{ .key = NULL },
};

/* What ydoc_each's callbacks get: the load and the object being read. */
struct obj_walk {
	struct ctx *x;
	struct obj_spec *ob;
};

static int data_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *o)
{
	struct obj_walk *w = o;
	struct obj_spec *ob = w->ob;
	struct data_spec ds = { NULL, NULL, 0 };

	(void)kn;
	ds.key = sdup(w->x, key);
	if (v->type == YAML_MAPPING_NODE) {
		if (fields_map(d, v, data_fields, w->x, &ds) < 0)
			return -1;
	} else {
		const char *s = ydoc_str(d, v);
		if (s == NULL)
			return -1;
		ds.value = sdup(w->x, s);
	}
	ob->data = arena_grow(w->x->s->arena, ob->data, ob->ndata, ob->ndata + 1, sizeof(*ob->data));
	ob->data[ob->ndata++] = ds;
	return 0;
}

static int obj_data(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct obj_walk w = { x, base };

	return ydoc_each(d, v, data_one, &w);
}

static int obj_refs(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct obj_spec *ob = base;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		ob->refs = arena_grow(x->s->arena, ob->refs, ob->nrefs, ob->nrefs + 1, sizeof(*ob->refs));
		struct ref_spec *r = &ob->refs[ob->nrefs++];
		memset(r, 0, sizeof(*r));
		r->via[0] = VIA_ENVFROM;
		r->nvia = 1;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || fields_map(d, item, ref_fields, x, r) < 0 ||
		    check_name(d, r->at, r->kind, r->name, 0) < 0)
			return -1;
		for (size_t k = 0; k < r->nvia; k++)
			if (r->via[k] == VIA_ENV_KEY && r->nkeys == 0)
				return ydoc_error(d, item, "via env_key needs keys");
	}
	return 0;
}

static int annot_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *o)
{
	struct obj_walk *w = o;
	struct obj_spec *ob = w->ob;
	const char *s = ydoc_str(d, v);

	(void)kn;
	if (s == NULL)
		return -1;
	ob->annotations = arena_grow(w->x->s->arena, ob->annotations, ob->nannotations, ob->nannotations + 1,
				     sizeof(*ob->annotations));
	ob->annotations[ob->nannotations].key = sdup(w->x, key);
	ob->annotations[ob->nannotations].value = sdup(w->x, s);
	ob->nannotations++;
	return 0;
}

static int obj_annotations(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct obj_walk w = { x, base };

	return ydoc_each(d, v, annot_one, &w);
}

static const struct field obj_fields[] = {
	{ "kind", F_KIND, 1, .off = offsetof(struct obj_spec, kind), .min = -1 },
	{ "name", F_PATTERN, 1, .off = offsetof(struct obj_spec, name), .off2 = offsetof(struct obj_spec, name_at) },
	{ "count", F_LONG, 0, .off = offsetof(struct obj_spec, count), .min = 1, .max = 100000 },
	{ "data", F_FN, 0, .fn = obj_data },
	{ "refs", F_FN, 0, .fn = obj_refs },
	{ "annotations", F_FN, 0, .fn = obj_annotations },
	{ "auto", F_BOOL, 0, .off = offsetof(struct obj_spec, auto_annotation) },
	{ .key = NULL },
};

int read_obj(struct ydoc *d, yaml_node_t *item, struct ctx *x, struct obj_spec *ob)
{
	memset(ob, 0, sizeof(*ob));
	ob->count = 1;
	ob->auto_annotation = 1;
	ob->line = (int)item->start_mark.line + 1;
	if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || fields_map(d, item, obj_fields, x, ob) < 0)
		return -1;
	if (kind_is_workload(ob->kind)) {
		if (ob->ndata)
			return ydoc_error(d, item, "%s has no data", kind_name(ob->kind));
	} else {
		if (ob->nrefs || ob->nannotations)
			return ydoc_error(d, item, "a %s has data, not refs or annotations", kind_name(ob->kind));
	}
	if (ob->count > 1 && strchr(ob->name, '{') == NULL)
		return ydoc_error(d, item, "count %ld needs a name pattern with {i}", ob->count);
	/* The first and the last; graph_build checks every one. */
	if (check_name(d, ob->name_at, ob->kind, ob->name, 0) < 0 ||
	    (ob->count > 1 && check_name(d, ob->name_at, ob->kind, ob->name, ob->count - 1) < 0))
		return -1;
	return 0;
}

int top_objects(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct scenario *s = x->s;
	yaml_node_t *item;

	(void)base;
	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		s->objs = arena_grow(s->arena, s->objs, s->nobjs, s->nobjs + 1, sizeof(*s->objs));
		if (read_obj(d, item, x, &s->objs[s->nobjs++]) < 0)
			return -1;
	}
	return 0;
}
