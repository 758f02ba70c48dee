/* Loading scenario files (YAML) into a struct scenario, with file:line:col errors. */
#include "model.h"
#include "arena.h"
#include "fsio.h"
#include "msg.h"
#include "num.h"
#include "ydoc.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[K_NKINDS] = {
	"ConfigMap", "Secret", "Deployment", "StatefulSet", "DaemonSet",
};

const char *kind_name(enum obj_kind k)
{
	return k < K_NKINDS ? kind_names[k] : "?";
}

int kind_is_workload(enum obj_kind k)
{
	return k == K_DEPLOYMENT || k == K_STATEFULSET || k == K_DAEMONSET;
}

size_t kind_name_max(enum obj_kind k)
{
	return kind_is_workload(k) ? NAME_MAX_LABEL : NAME_MAX_OBJECT;
}

static int lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const char *k8s_name_problem(const char *name, size_t max, int dots)
{
	static char buf[64];
	size_t len = strlen(name);

	if (len == 0)
		return "is empty";
	if (len > max) {
		snprintf(buf, sizeof(buf), "is longer than %zu characters", max);
		return buf;
	}
	for (const char *p = name; *p; p++) {
		if (lower_alnum(*p) || *p == '-')
			continue;
		if (*p != '.' || !dots)
			return dots ? "has a character other than lowercase letters, digits, '-' and '.'"
				    : "has a character other than lowercase letters, digits and '-'";
	}
	/* Each dot-separated part starts and ends with a letter or a digit. */
	for (const char *p = name; *p; p++)
		if ((p == name || p[-1] == '.' || p[1] == '\0' || p[1] == '.') && !lower_alnum(*p))
			return "must start and end with a lowercase letter or a digit (and so must each part between dots)";
	return NULL;
}

struct ctx {
	struct scenario *s;
	struct obj_spec *obj;
	struct ref_spec *ref;
	struct update_spec *upd;
	struct target_spec *tgt;
};

static char *sdup(struct ctx *x, const char *s)
{
	return arena_strdup(x->s->arena, s);
}

/* The longest duration a scenario may give: a year, far beyond any run. */
#define MAX_DURATION (365.0 * 86400)

/*
 * "100ms", "2s", "1.5m", or a number of seconds: decimal, nothing around it (not " 2s",
 * "0x10s", "nan", "inf" or "1e309"); NULL, or why not (said after the value).
 */
static const char *parse_duration(const char *s, double *out)
{
	size_t n = num_span(s);
	const char *unit = s + n;
	char num[64];
	double x, mul = 1;

	if (n == 0 || n >= sizeof(num))
		return "is not a duration (e.g. 500ms, 2s, 1m)";
	if (strcmp(unit, "ms") == 0)
		mul = 0.001;
	else if (strcmp(unit, "s") == 0 || *unit == '\0')
		mul = 1;
	else if (strcmp(unit, "m") == 0)
		mul = 60;
	else
		return "is not a duration (e.g. 500ms, 2s, 1m)";
	memcpy(num, s, n);
	num[n] = '\0';
	if (num_double(num, &x) != NULL || !isfinite(x * mul) || x * mul > MAX_DURATION)
		return "is too long a duration (at most a year)";
	if (x < 0)
		return "is negative: a duration cannot be";
	*out = x * mul;
	return NULL;
}

static int duration(struct ydoc *d, yaml_node_t *v, double *out)
{
	const char *s = ydoc_str(d, v), *why;

	if (s == NULL)
		return -1;
	why = parse_duration(s, out);
	if (why && strncmp(why, "is negative", 11) == 0)
		return ydoc_error(d, v, "a duration cannot be negative");
	if (why)
		return ydoc_error(d, v, "'%s' %s", s, why);
	return 0;
}

static int parse_kind(struct ydoc *d, yaml_node_t *v, int want_workload, enum obj_kind *out)
{
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	for (int k = 0; k < K_NKINDS; k++) {
		if (strcmp(s, kind_names[k]) == 0) {
			if (want_workload >= 0 && kind_is_workload((enum obj_kind)k) != want_workload)
				return ydoc_error(d, v, "%s is not %s here", s,
						  want_workload ? "a workload kind (Deployment, StatefulSet, DaemonSet)"
								: "a ConfigMap or Secret");
			*out = (enum obj_kind)k;
			return 0;
		}
	}
	return ydoc_error(d, v, "unknown kind '%s' (ConfigMap, Secret, Deployment, StatefulSet, DaemonSet)", s);
}

/* The pattern's syntax; its names are checked once the kind is known (check_name). */
static int check_pattern(struct ydoc *d, yaml_node_t *v, const char *pat)
{
	const char *err = NULL;
	char *s = pattern_expand(pat, 0, &err);

	if (s == NULL)
		return ydoc_error(d, v, "bad name pattern '%s': %s", pat, err);
	free(s);
	return 0;
}

static struct pos pos_of(const yaml_node_t *n)
{
	return (struct pos){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

/*
 * The name of index i of a pattern of kind k, as Kubernetes would take it; the names of
 * every index are checked again when the graph is built (graph.c).
 */
static int check_name(struct ydoc *d, struct pos at, enum obj_kind k, const char *pat, long i)
{
	const char *err = NULL, *why;
	char *s = pattern_expand(pat, i, &err);
	int rc = 0;

	if (s == NULL)
		return errorf("%s:%d:%d: bad name pattern '%s': %s (i = %ld)", d->path, at.line, at.col, pat, err, i);
	if ((why = k8s_name_problem(s, kind_name_max(k), 1)) != NULL)
		rc = errorf("%s:%d:%d: %s name '%s' %s", d->path, at.line, at.col, kind_name(k), s, why);
	free(s);
	return rc;
}

static int str_list(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char ***out, size_t *n, size_t max)
{
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	*n = 0;
	YDOC_SEQ_EACH(d, v, item) {
		const char *s = ydoc_str(d, item);
		if (s == NULL)
			return -1;
		if (max && *n >= max)
			return ydoc_error(d, item, "at most %zu entries", max);
		*out = arena_grow(x->s->arena, *out, *n, *n + 1, sizeof(**out));
		(*out)[(*n)++] = sdup(x, s);
	}
	return 0;
}

/* ---- refs ---- */

static int ref_kind(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return parse_kind(d, v, 0, &x->ref->kind);
}

static int ref_name(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL || check_pattern(d, v, s) < 0)
		return -1;
	x->ref->name = sdup(x, s);
	x->ref->at = pos_of(v);
	return 0;
}

static int ref_via(struct ydoc *d, yaml_node_t *v, void *o)
{
	static const char *const names[] = { "env_from", "init_env_from", "env_key", "volume", "projected" };
	struct ctx *x = o;
	yaml_node_t *item;

	if (v->type == YAML_SCALAR_NODE) {
		/* A single way of referencing. */
		yaml_node_t *one = v;
		for (size_t k = 0; k < 5; k++)
			if (strcmp((char *)one->data.scalar.value, names[k]) == 0) {
				x->ref->via[0] = (enum ref_via)k;
				x->ref->nvia = 1;
				return 0;
			}
		return ydoc_error(d, v, "unknown via '%s' (env_from, init_env_from, env_key, volume, projected)",
				  (char *)v->data.scalar.value);
	}
	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	x->ref->nvia = 0;
	YDOC_SEQ_EACH(d, v, item) {
		const char *s = ydoc_str(d, item);
		size_t k;
		if (s == NULL)
			return -1;
		for (k = 0; k < 5 && strcmp(s, names[k]) != 0; k++)
			;
		if (k == 5)
			return ydoc_error(d, item, "unknown via '%s' (env_from, init_env_from, env_key, volume, "
					  "projected)", s);
		if (x->ref->nvia >= 8)
			return ydoc_error(d, item, "too many ways of referencing");
		x->ref->via[x->ref->nvia++] = (enum ref_via)k;
	}
	if (x->ref->nvia == 0)
		return ydoc_error(d, v, "via needs at least one entry");
	return 0;
}

static int ref_keys(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char **keys = NULL;
	size_t n = 0;

	if (str_list(d, v, x, &keys, &n, 4) < 0)
		return -1;
	if (n)
		memcpy(x->ref->keys, keys, n * sizeof(*keys));
	x->ref->nkeys = n;
	return 0;
}

static const struct ykey ref_table[] = {
	{ "kind", ref_kind, 1 },
	{ "name", ref_name, 1 },
	{ "via", ref_via, 0 },
	{ "keys", ref_keys, 0 },
	{ NULL, NULL, 0 },
};

/* ---- objects ---- */

static int obj_kind(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return parse_kind(d, v, -1, &x->obj->kind);
}

static int obj_name(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL || check_pattern(d, v, s) < 0)
		return -1;
	x->obj->name = sdup(x, s);
	x->obj->name_at = pos_of(v);
	return 0;
}

static int obj_count(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_long(d, v, 1, 100000, &x->obj->count);
}

static int data_repeat(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct data_spec *ds = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0')
		return ydoc_error(d, v, "repeat needs some text");
	ds->value = s;
	return 0;
}

static int data_size(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct data_spec *ds = o;
	/* The API server refuses objects over about 1 MiB. */
	return ydoc_long(d, v, 1, 900 * 1024, &ds->size);
}

static const struct ykey data_table[] = {
	{ "repeat", data_repeat, 1 },
	{ "size", data_size, 1 },
	{ NULL, NULL, 0 },
};

static int data_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct obj_spec *ob = x->obj;
	struct data_spec ds = { NULL, NULL, 0 };

	(void)kn;
	ds.key = sdup(x, key);
	if (v->type == YAML_MAPPING_NODE) {
		if (ydoc_map(d, v, data_table, &ds) < 0)
			return -1;
		ds.value = sdup(x, ds.value);
	} else {
		const char *s = ydoc_str(d, v);
		if (s == NULL)
			return -1;
		ds.value = sdup(x, s);
	}
	ob->data = arena_grow(x->s->arena, ob->data, ob->ndata, ob->ndata + 1, sizeof(*ob->data));
	ob->data[ob->ndata++] = ds;
	return 0;
}

static int obj_data(struct ydoc *d, yaml_node_t *v, void *o)
{
	return ydoc_each(d, v, data_one, o);
}

static int obj_refs(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct obj_spec *ob = x->obj;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		ob->refs = arena_grow(x->s->arena, ob->refs, ob->nrefs, ob->nrefs + 1, sizeof(*ob->refs));
		x->ref = &ob->refs[ob->nrefs++];
		x->ref->via[0] = VIA_ENVFROM;
		x->ref->nvia = 1;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, ref_table, x) < 0 ||
		    check_name(d, x->ref->at, x->ref->kind, x->ref->name, 0) < 0)
			return -1;
		for (size_t k = 0; k < x->ref->nvia; k++)
			if (x->ref->via[k] == VIA_ENV_KEY && x->ref->nkeys == 0)
				return ydoc_error(d, item, "via env_key needs keys");
	}
	return 0;
}

static int annot_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct obj_spec *ob = x->obj;
	const char *s = ydoc_str(d, v);

	(void)kn;
	if (s == NULL)
		return -1;
	ob->annotations = arena_grow(x->s->arena, ob->annotations, ob->nannotations, ob->nannotations + 1,
				     sizeof(*ob->annotations));
	ob->annotations[ob->nannotations].key = sdup(x, key);
	ob->annotations[ob->nannotations].value = sdup(x, s);
	ob->nannotations++;
	return 0;
}

static int obj_annotations(struct ydoc *d, yaml_node_t *v, void *o)
{
	return ydoc_each(d, v, annot_one, o);
}

static int obj_auto(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_bool(d, v, &x->obj->auto_annotation);
}

static const struct ykey obj_table[] = {
	{ "kind", obj_kind, 1 },
	{ "name", obj_name, 1 },
	{ "count", obj_count, 0 },
	{ "data", obj_data, 0 },
	{ "refs", obj_refs, 0 },
	{ "annotations", obj_annotations, 0 },
	{ "auto", obj_auto, 0 },
	{ NULL, NULL, 0 },
};

static int read_obj(struct ydoc *d, yaml_node_t *item, struct ctx *x, struct obj_spec *ob)
{
	memset(ob, 0, sizeof(*ob));
	ob->count = 1;
	ob->auto_annotation = 1;
	ob->line = (int)item->start_mark.line + 1;
	x->obj = ob;
	if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, obj_table, x) < 0)
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

static int top_objects(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct scenario *s = x->s;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		s->objs = arena_grow(s->arena, s->objs, s->nobjs, s->nobjs + 1, sizeof(*s->objs));
		if (read_obj(d, item, x, &s->objs[s->nobjs++]) < 0)
			return -1;
	}
	return 0;
}

/* ---- updates ---- */

static int tgt_kind(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return parse_kind(d, v, 0, &x->tgt->kind);
}

static int tgt_name(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL || check_pattern(d, v, s) < 0)
		return -1;
	x->tgt->name = sdup(x, s);
	x->tgt->at = pos_of(v);
	return 0;
}

static const struct ykey tgt_table[] = {
	{ "kind", tgt_kind, 1 },
	{ "name", tgt_name, 1 },
	{ NULL, NULL, 0 },
};

static int upd_every(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	if (duration(d, v, &x->upd->every) < 0)
		return -1;
	if (x->upd->every < 0.001)
		return ydoc_error(d, v, "every must be at least 1ms");
	return 0;
}

static int upd_writers(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_long(d, v, 1, 1000, &x->upd->writers);
}

static int upd_targets(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct update_spec *u = x->upd;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		u->targets = arena_grow(x->s->arena, u->targets, u->ntargets, u->ntargets + 1, sizeof(*u->targets));
		x->tgt = &u->targets[u->ntargets++];
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, tgt_table, x) < 0 ||
		    check_name(d, x->tgt->at, x->tgt->kind, x->tgt->name, 0) < 0)
			return -1;
	}
	if (u->ntargets == 0)
		return ydoc_error(d, v, "targets needs at least one entry");
	return 0;
}

static int upd_pick(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "random") == 0)
		x->upd->pick = PICK_RANDOM;
	else if (strcmp(s, "round_robin") == 0)
		x->upd->pick = PICK_ROUND_ROBIN;
	else if (strcmp(s, "alternate") == 0)
		x->upd->pick = PICK_ALTERNATE;
	else
		return ydoc_error(d, v, "pick must be random, round_robin or alternate, not '%s'", s);
	return 0;
}

static int upd_change(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "data") == 0)
		x->upd->change = CH_DATA;
	else if (strcmp(s, "noop") == 0)
		x->upd->change = CH_NOOP;
	else if (strcmp(s, "tail") == 0)
		x->upd->change = CH_TAIL;
	else
		return ydoc_error(d, v, "change must be data, noop or tail, not '%s'", s);
	return 0;
}

static int upd_keys(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char **keys = NULL;
	size_t n = 0;

	if (str_list(d, v, x, &keys, &n, 8) < 0)
		return -1;
	memcpy(x->upd->keys, keys, n * sizeof(*keys));
	x->upd->nkeys = n;
	return 0;
}

static int upd_during(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "restart") != 0)
		return ydoc_error(d, v, "during must be restart, not '%s'", s);
	x->upd->during_restart = 1;
	return 0;
}

static const struct ykey upd_table[] = {
	{ "every", upd_every, 1 },
	{ "during", upd_during, 0 },
	{ "writers", upd_writers, 0 },
	{ "targets", upd_targets, 1 },
	{ "pick", upd_pick, 0 },
	{ "change", upd_change, 0 },
	{ "keys", upd_keys, 0 },
	{ NULL, NULL, 0 },
};

static int top_updates(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	struct scenario *s = x->s;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		s->updates = arena_grow(s->arena, s->updates, s->nupdates, s->nupdates + 1, sizeof(*s->updates));
		x->upd = &s->updates[s->nupdates++];
		x->upd->writers = 1;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, upd_table, x) < 0)
			return -1;
	}
	return 0;
}

/* ---- churn, restart, phase, expect ---- */

static int churn_every(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	if (duration(d, v, &x->s->churn.every) < 0)
		return -1;
	if (x->s->churn.every < 0.001)
		return ydoc_error(d, v, "every must be at least 1ms");
	return 0;
}

static int churn_keep(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_long(d, v, 1, 100000, &x->s->churn.keep);
}

static int churn_workload(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	if (read_obj(d, v, x, &x->s->churn.workload) < 0)
		return -1;
	if (!kind_is_workload(x->s->churn.workload.kind))
		return ydoc_error(d, v, "churn creates workloads, not %s", kind_name(x->s->churn.workload.kind));
	return 0;
}

static const struct ykey churn_table[] = {
	{ "every", churn_every, 1 },
	{ "keep", churn_keep, 1 },
	{ "workload", churn_workload, 1 },
	{ NULL, NULL, 0 },
};

static int top_churn(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	x->s->churn.set = 1;
	return ydoc_map(d, v, churn_table, o);
}

static int restart_at(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return duration(d, v, &x->s->restart_at);
}

static int restart_catch_up(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_bool(d, v, &x->s->restart_catch_up);
}

static const struct ykey restart_table[] = {
	{ "at", restart_at, 1 },
	{ "catch_up", restart_catch_up, 0 },
	{ NULL, NULL, 0 },
};

static int top_restart(struct ydoc *d, yaml_node_t *v, void *o)
{
	return ydoc_map(d, v, restart_table, o);
}

static int phase_minus(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return duration(d, v, &x->s->phase_minus);
}

static int phase_min(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return duration(d, v, &x->s->phase_min);
}

static const struct ykey phase_table[] = {
	{ "minus", phase_minus, 0 },
	{ "min", phase_min, 0 },
	{ NULL, NULL, 0 },
};

static int top_phase(struct ydoc *d, yaml_node_t *v, void *o)
{
	return ydoc_map(d, v, phase_table, o);
}

static int exp_exact(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_bool(d, v, &x->s->exact);
}

static int exp_fewer(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return ydoc_bool(d, v, &x->s->expect_fewer);
}

static int exp_annotation(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	x->s->expect_annotation = sdup(x, s);
	return 0;
}

/* "95%" or 0.95: the share of the intended updates that must succeed. */
static int exp_min_rate(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	const char *s = ydoc_str(d, v);
	size_t n;
	char num[64];
	double f;

	if (s == NULL)
		return -1;
	n = num_span(s);
	if (n == 0 || n >= sizeof(num) || (s[n] != '\0' && strcmp(s + n, "%") != 0))
		return ydoc_error(d, v, "'%s' is not a share of the intended rate (e.g. 95%% or 0.95)", s);
	memcpy(num, s, n);
	num[n] = '\0';
	if (num_double(num, &f) != NULL)
		return ydoc_error(d, v, "'%s' is not a share of the intended rate (e.g. 95%% or 0.95)", s);
	if (s[n] == '%')
		f /= 100;
	if (!(f > 0 && f <= 1))
		return ydoc_error(d, v, "min_rate must be above 0 and at most 100%%");
	x->s->min_rate = f;
	return 0;
}

static const struct ykey expect_table[] = {
	{ "exact", exp_exact, 0 },
	{ "min_rate", exp_min_rate, 0 },
	{ "fewer_rolls_than_updates", exp_fewer, 0 },
	{ "annotation", exp_annotation, 0 },
	{ NULL, NULL, 0 },
};

static int top_expect(struct ydoc *d, yaml_node_t *v, void *o)
{
	return ydoc_map(d, v, expect_table, o);
}

static int top_str(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char **out)
{
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	*out = sdup(x, s);
	return 0;
}

static int top_id(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	const char *id;

	if (top_str(d, v, x, &x->s->id) < 0)
		return -1;
	/* A folder name, and the value of the label on every object (at most 63 characters). */
	id = x->s->id;
	if (*id == '\0' || strlen(id) > NAME_MAX_LABEL || !isalnum((unsigned char)id[0]) ||
	    !isalnum((unsigned char)id[strlen(id) - 1]) || strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(id))
		return ydoc_error(d, v, "id must be one word usable as a folder name and a label value: "
				  "letters, digits, '-', '_' and '.', at most 63, starting and ending with a letter or digit");
	return 0;
}

static int top_name(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return top_str(d, v, x, &x->s->name);
}

static int top_description(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return top_str(d, v, x, &x->s->description);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int top_namespaces(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;

	if (str_list(d, v, x, &x->s->namespaces, &x->s->nns, 0) < 0)
		return -1;
	if (x->s->nns == 0)
		return ydoc_error(d, v, "namespaces needs at least one entry");
	for (size_t i = 0; i < x->s->nns; i++) {
		const char *why = k8s_name_problem(x->s->namespaces[i], NAME_MAX_LABEL, 0);
		if (why != NULL)
			return ydoc_error(d, ydoc_node(d, v->data.sequence.items.start[i]), "namespace '%s' %s",
					  x->s->namespaces[i], why);
	}
	/* Sorted copies side by side: linear after the sort, whatever the number of namespaces. */
	const char **sorted = arena_alloc(x->s->arena, x->s->nns * sizeof(*sorted));
	memcpy(sorted, x->s->namespaces, x->s->nns * sizeof(*sorted));
	qsort(sorted, x->s->nns, sizeof(*sorted), cmp_str);
	for (size_t i = 1; i < x->s->nns; i++)
		if (strcmp(sorted[i], sorted[i - 1]) == 0)
			return ydoc_error(d, v, "namespace '%s' is listed twice", sorted[i]);
	return 0;
}

static int top_controller_args(struct ydoc *d, yaml_node_t *v, void *o)
{
	struct ctx *x = o;
	return str_list(d, v, x, &x->s->controller_args, &x->s->nargs, 0);
}

static const struct ykey top_table[] = {
	{ "id", top_id, 1 },
	{ "name", top_name, 0 },
	{ "description", top_description, 0 },
	{ "namespaces", top_namespaces, 0 },
	{ "controller_args", top_controller_args, 0 },
	{ "objects", top_objects, 1 },
	{ "updates", top_updates, 0 },
	{ "churn", top_churn, 0 },
	{ "restart", top_restart, 0 },
	{ "phase", top_phase, 0 },
	{ "expect", top_expect, 0 },
	{ NULL, NULL, 0 },
};

int scenario_load(const char *path, struct scenario *s)
{
	struct ydoc d;
	struct ctx x = { s, NULL, NULL, NULL, NULL };
	int rc;

	memset(s, 0, sizeof(*s));
	s->arena = arena_new();
	s->file = arena_strdup(s->arena, path);
	s->restart_at = -1;
	s->scale = 1;
	s->min_rate = 0.95;
	s->phase_minus = 5;
	s->exact = 1;
	rc = ydoc_load(&d, path);
	if (rc == 0)
		rc = ydoc_map(&d, ydoc_root(&d), top_table, &x);
	if (rc == 0 && s->nns == 0) {
		s->namespaces = arena_alloc(s->arena, sizeof(*s->namespaces));
		s->namespaces[0] = "reloader-test";
		s->nns = 1;
	}
	if (rc == 0 && s->description == NULL)
		s->description = s->name ? s->name : s->id;
	for (size_t i = 0; rc == 0 && i < s->nupdates; i++)
		if (s->updates[i].during_restart && s->restart_at < 0)
			rc = errorf("%s: an update stream sent during the restart needs restart: { at: ... }", path);
	ydoc_free(&d);
	if (rc < 0) {
		scenario_free(s);
		return -1;
	}
	return 0;
}

void scenario_free(struct scenario *s)
{
	arena_free(s->arena);
	memset(s, 0, sizeof(*s));
}

double scenario_phase(const struct scenario *s, double duration)
{
	double p = duration - s->phase_minus;

	if (p < s->phase_min)
		p = s->phase_min;
	return p > 0 ? p : 0;
}

char *scenario_path(const char *id)
{
	const char *env = getenv("LOADTEST_SCENARIO_DIR");

	if (strchr(id, '/') || strstr(id, ".yaml") || strstr(id, ".yml"))
		return xstrdup(id);
	if (env && *env)
		return xasprintf("%s/%s.yaml", env, id);
	/* bin/scenario or build/san/bin/scenario: the tree's scenarios, upward from the binary. */
	char *rel = xasprintf("tools/scenario/scenarios/%s.yaml", id), *p = tree_file(rel);
	if (p == NULL)
		return rel;
	free(rel);
	return p;
}

/* ---- command-line changes: --set KEY=VALUE and --scale N ---- */

/* A whole number written in decimal digits only (no sign, no 0x, no spaces); NULL, or why not. */
static const char *whole(const char *s, long min, long max, long *out, char *why, size_t size)
{
	char *end;
	long v;

	if (*s == '\0' || strspn(s, "0123456789") != strlen(s)) {
		snprintf(why, size, "is not a whole number (%ld to %ld)", min, max);
		return why;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || v < min || v > max) {
		snprintf(why, size, "is out of range (%ld to %ld)", min, max);
		return why;
	}
	*out = v;
	return NULL;
}

static const char set_keys[] = "count.NAME, updates.N.every, updates.N.writers, churn.every, churn.keep, "
			       "phase.minus, phase.min, restart.at, duration";

/* updates.N.FIELD: the stream, 1-based; NULL after printing why. */
static struct update_spec *set_stream(struct scenario *s, const char *key, const char **field)
{
	const char *p = key + strlen("updates.");
	char *end;
	long n;

	if (!isdigit((unsigned char)*p) || *p == '0')
		goto bad;
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno == ERANGE || *end != '.')
		goto bad;
	*field = end + 1;
	if (n > (long)s->nupdates) {
		errorf("--set %s: the scenario has %zu update stream(s)", key, s->nupdates);
		return NULL;
	}
	return &s->updates[n - 1];
bad:
	errorf("--set %s: unknown key (%s)", key, set_keys);
	return NULL;
}

static int set_duration_value(const char *key, const char *value, double min, double *out)
{
	double v;
	const char *why = parse_duration(value, &v);

	if (why == NULL && v < min) {
		errorf("--set %s: '%s' is shorter than %gs", key, value, min);
		return -1;
	}
	if (why)
		return errorf("--set %s: '%s' %s", key, value, why);
	*out = v;
	return 0;
}

int scenario_set(struct scenario *s, const char *assignment, double *duration)
{
	const char *eq = strchr(assignment, '=');
	char why[96];
	const char *bad;
	int rc = -1;

	if (eq == NULL || eq == assignment)
		return errorf("--set needs KEY=VALUE, not '%s'", assignment);
	char *key = strndup(assignment, (size_t)(eq - assignment));
	const char *value = eq + 1;
	if (key == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	for (size_t i = 0; i < s->nsets; i++)
		if (strcmp(s->sets[i].key, key) == 0) {
			errorf("--set %s: given twice", key);
			goto out;
		}
	if (strcmp(key, "duration") == 0) {
		double v;
		if (set_duration_value(key, value, 1, &v) < 0)
			goto out;
		if (v > 1e7) {
			errorf("--set %s: '%s' is longer than 10000000s", key, value);
			goto out;
		}
		*duration = v;
	} else if (strncmp(key, "count.", 6) == 0) {
		struct obj_spec *hit = NULL;
		long v;
		for (size_t i = 0; i < s->nobjs; i++) {
			if (strcmp(s->objs[i].name, key + 6) != 0)
				continue;
			if (hit) {
				errorf("--set %s: more than one object entry is named '%s'", key, key + 6);
				goto out;
			}
			hit = &s->objs[i];
		}
		if (hit == NULL) {
			errorf("--set %s: no object entry is named '%s' in %s", key, key + 6, s->file);
			goto out;
		}
		if ((bad = whole(value, 1, 100000, &v, why, sizeof(why))) != NULL) {
			errorf("--set %s: '%s' %s", key, value, bad);
			goto out;
		}
		if (v > 1 && strchr(hit->name, '{') == NULL) {
			errorf("--set %s: count %ld needs a name pattern with {i}", key, v);
			goto out;
		}
		hit->count = v;
	} else if (strncmp(key, "updates.", 8) == 0) {
		const char *field;
		struct update_spec *u = set_stream(s, key, &field);
		long v;
		if (u == NULL)
			goto out;
		if (strcmp(field, "every") == 0) {
			if (set_duration_value(key, value, 0.001, &u->every) < 0)
				goto out;
		} else if (strcmp(field, "writers") == 0) {
			if ((bad = whole(value, 1, 1000, &v, why, sizeof(why))) != NULL) {
				errorf("--set %s: '%s' %s", key, value, bad);
				goto out;
			}
			u->writers = v;
		} else {
			errorf("--set %s: unknown key (%s)", key, set_keys);
			goto out;
		}
	} else if (strcmp(key, "churn.every") == 0 || strcmp(key, "churn.keep") == 0) {
		long v;
		if (!s->churn.set) {
			errorf("--set %s: the scenario has no churn", key);
			goto out;
		}
		if (key[6] == 'e') {
			if (set_duration_value(key, value, 0.001, &s->churn.every) < 0)
				goto out;
		} else {
			if ((bad = whole(value, 1, 100000, &v, why, sizeof(why))) != NULL) {
				errorf("--set %s: '%s' %s", key, value, bad);
				goto out;
			}
			s->churn.keep = v;
		}
	} else if (strcmp(key, "phase.minus") == 0) {
		if (set_duration_value(key, value, 0, &s->phase_minus) < 0)
			goto out;
	} else if (strcmp(key, "phase.min") == 0) {
		if (set_duration_value(key, value, 0, &s->phase_min) < 0)
			goto out;
	} else if (strcmp(key, "restart.at") == 0) {
		if (s->restart_at < 0) {
			errorf("--set %s: the scenario has no restart", key);
			goto out;
		}
		if (set_duration_value(key, value, 0, &s->restart_at) < 0)
			goto out;
	} else {
		errorf("--set %s: unknown key (%s)", key, set_keys);
		goto out;
	}
	s->sets = arena_grow(s->arena, s->sets, s->nsets, s->nsets + 1, sizeof(*s->sets));
	s->sets[s->nsets].key = arena_strdup(s->arena, key);
	s->sets[s->nsets].value = arena_strdup(s->arena, value);
	s->nsets++;
	rc = 0;
out:
	free(key);
	return rc;
}

int scenario_scale(struct scenario *s, long factor)
{
	if (factor < 1 || factor > SCENARIO_MAX_COUNT)
		return errorf("--scale %ld: out of range (1 to %d)", factor, SCENARIO_MAX_COUNT);
	for (size_t i = 0; i < s->nobjs; i++) {
		struct obj_spec *o = &s->objs[i];
		long n;
		/* One named object (no {i} in its name) stays one: only a pattern makes more. */
		if (strchr(o->name, '{') == NULL)
			continue;
		if (__builtin_mul_overflow(o->count, factor, &n) || n > SCENARIO_MAX_COUNT)
			return errorf("--scale %ld: the count of %s '%s' would be more than %d", factor,
				      kind_name(o->kind), o->name, SCENARIO_MAX_COUNT);
		o->count = n;
	}
	s->scale = factor;
	return 0;
}

/* ---- name patterns: {expr} with integer arithmetic over i ---- */

/* Checked arithmetic: an overflow is an error of the pattern, never undefined behaviour. */
struct expr {
	const char *p;
	long i;
	const char *err;
	int depth;		/* of parentheses: bounded, so a hostile pattern cannot exhaust the stack */
};

#define MAX_EXPR_DEPTH 32

static long e_sum(struct expr *e);

static void skip_ws(struct expr *e)
{
	while (*e->p == ' ')
		e->p++;
}

static long e_atom(struct expr *e)
{
	skip_ws(e);
	if (*e->p == '(') {
		if (++e->depth > MAX_EXPR_DEPTH) {
			e->err = "parentheses nested too deep";
			return 0;
		}
		e->p++;
		long v = e_sum(e);
		skip_ws(e);
		if (*e->p != ')')
			e->err = e->err ? e->err : "missing ')'";
		else
			e->p++;
		e->depth--;
		return v;
	}
	if (*e->p == 'i') {
		e->p++;
		return e->i;
	}
	if (isdigit((unsigned char)*e->p)) {
		char *end;
		errno = 0;
		long v = strtol(e->p, &end, 10);
		e->p = end;
		if (errno == ERANGE) {
			e->err = "number too large";
			return 0;
		}
		return v;
	}
	e->err = "expected i, a number or '('";
	return 0;
}

static long e_prod(struct expr *e)
{
	long v = e_atom(e);

	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '*' && op != '/' && op != '%')
			return v;
		e->p++;
		long r = e_atom(e);
		if (e->err)
			return 0;
		if (op == '*') {
			if (__builtin_mul_overflow(v, r, &v))
				goto overflow;
		} else if (r == 0) {
			e->err = "division by zero";
			return 0;
		} else if (r == -1) {
			/* v / -1 overflows for the most negative v; v mod -1 is 0 */
			if (op == '%')
				v = 0;
			else if (__builtin_sub_overflow(0L, v, &v))
				goto overflow;
		} else if (op == '/') {
			v /= r;
		} else {
			long m = v % r;	/* |m| < |r|: m + r cannot overflow unless signs agree */
			if (__builtin_add_overflow(m, r, &m))
				goto overflow;
			v = m % r;
		}
	}
overflow:
	e->err = "integer overflow";
	return 0;
}

static long e_sum(struct expr *e)
{
	long v = e_prod(e);

	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '+' && op != '-')
			return v;
		e->p++;
		long r = e_prod(e);
		if (e->err)
			return 0;
		if (op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v)) {
			e->err = "integer overflow";
			return 0;
		}
	}
}

char *pattern_expand(const char *pattern, long i, const char **err)
{
	size_t cap = strlen(pattern) + 64, n = 0;
	char *out = malloc(cap);

	if (out == NULL) {
		*err = "out of memory";
		return NULL;
	}
	for (const char *p = pattern; *p;) {
		if (*p == '{') {
			struct expr e = { p + 1, i, NULL, 0 };
			long v = e_sum(&e);
			skip_ws(&e);
			if (e.err == NULL && *e.p != '}')
				e.err = "expected '}'";
			if (e.err) {
				*err = e.err;
				free(out);
				return NULL;
			}
			n += (size_t)snprintf(out + n, cap - n, "%ld", v);
			p = e.p + 1;
		} else if (*p == '}') {
			*err = "unexpected '}'";
			free(out);
			return NULL;
		} else {
			out[n++] = *p++;
		}
		if (cap - n < 32) {
			cap *= 2;
			char *q = realloc(out, cap);
			if (q == NULL) {
				free(out);
				*err = "out of memory";
				return NULL;
			}
			out = q;
		}
	}
	out[n] = '\0';
	return out;
}
