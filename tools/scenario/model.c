/*
 * Loading scenario files (YAML) into a struct scenario, with file:line:col errors: the top
 * level, the value readers every section shares and the typed field tables they are read
 * through. The sections: model_objects.c (objects, refs), model_behaviour.c (updates,
 * churn, restart, phase, expect); --set/--scale: model_edit.c; name patterns: pattern.c.
 */
#include "model.h"
#include "model_yaml.h"
#include "arena.h"
#include "msg.h"
#include "num.h"
#include "wrapper.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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


char *sdup(struct ctx *x, const char *s)
{
	return arena_strdup(x->s->arena, s);
}

/*
 * "100ms", "2s", "1.5m", or a number of seconds: decimal, nothing around it (not " 2s",
 * "0x10s", "nan", "inf" or "1e309"); NULL, or why not (said after the value).
 */
const char *parse_duration(const char *s, double *out)
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

int yaml_duration(struct ydoc *d, yaml_node_t *v, double *out)
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

int parse_kind(struct ydoc *d, yaml_node_t *v, int want_workload, enum obj_kind *out)
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

struct pos pos_of(const yaml_node_t *n)
{
	return (struct pos){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

/*
 * The name of index i of a pattern of kind k, as Kubernetes would take it; the names of
 * every index are checked again when the graph is built (graph.c).
 */
int check_name(struct ydoc *d, struct pos at, enum obj_kind k, const char *pat, long i)
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

int str_list(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char ***out, size_t *n, size_t max)
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

int str_array(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char **arr, size_t *n, size_t max)
{
	const char **list = NULL;
	size_t len = 0;

	if (str_list(d, v, x, &list, &len, max) < 0)
		return -1;
	if (len)
		memcpy(arr, list, len * sizeof(*list));
	*n = len;
	return 0;
}

/* ---- typed field tables ---- */

struct fields_walk {
	const struct field *table;
	struct ctx *x;
	char *base;
	unsigned long seen;
};

static int field_read(struct ydoc *d, yaml_node_t *v, const struct field *f, struct ctx *x, char *base)
{
	void *at = base + f->off;

	switch (f->type) {
	case F_LONG:
		return ydoc_long(d, v, f->min, f->max, at);
	case F_BOOL:
		return ydoc_bool(d, v, at);
	case F_DURATION:
		if (yaml_duration(d, v, at) < 0)
			return -1;
		if (f->at_least > 0 && *(double *)at < f->at_least)
			return ydoc_error(d, v, "%s must be at least %gms", f->key, f->at_least * 1000);
		return 0;
	case F_STR: {
		const char *s = ydoc_str(d, v);
		if (s == NULL)
			return -1;
		*(const char **)at = sdup(x, s);
		return 0;
	}
	case F_KIND:
		return parse_kind(d, v, (int)f->min, at);
	case F_PATTERN: {
		const char *s = ydoc_str(d, v);
		if (s == NULL || check_pattern(d, v, s) < 0)
			return -1;
		*(const char **)at = sdup(x, s);
		*(struct pos *)(base + f->off2) = pos_of(v);
		return 0;
	}
	case F_STRS:
		return str_array(d, v, x, at, (size_t *)(base + f->off2), (size_t)f->max);
	case F_MAP:
		return fields_map(d, v, f->sub, x, at);
	case F_FN:
		return f->fn(d, v, x, base);
	}
	return -1;
}

static int field_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *arg)
{
	struct fields_walk *w = arg;

	for (int i = 0; w->table[i].key; i++) {
		if (strcmp(w->table[i].key, key) == 0) {
			w->seen |= 1UL << i;
			return field_read(d, v, &w->table[i], w->x, w->base);
		}
	}
	return ydoc_error(d, kn, "unknown key '%s'", key);
}

int fields_map(struct ydoc *d, yaml_node_t *map, const struct field *table, struct ctx *x, void *base)
{
	struct fields_walk w = { table, x, base, 0 };

	if (ydoc_each(d, map, field_one, &w) < 0)
		return -1;
	for (int i = 0; table[i].key; i++)
		if (table[i].required && !(w.seen & (1UL << i)))
			return ydoc_error(d, map, "missing key '%s'", table[i].key);
	return 0;
}

/* ---- the top level ---- */

static int top_id(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	const char *id = ydoc_str(d, v);

	(void)base;
	if (id == NULL)
		return -1;
	x->s->id = sdup(x, id);
	/* A folder name, and the value of the label on every object (at most 63 characters). */
	if (*id == '\0' || strlen(id) > NAME_MAX_LABEL || !isalnum((unsigned char)id[0]) ||
	    !isalnum((unsigned char)id[strlen(id) - 1]) || strspn(id, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(id))
		return ydoc_error(d, v, "id must be one word usable as a folder name and a label value: "
				  "letters, digits, '-', '_' and '.', at most 63, starting and ending with a letter or digit");
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int top_namespaces(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	(void)base;

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

static int top_controller_args(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	(void)base;
	return str_list(d, v, x, &x->s->controller_args, &x->s->nargs, 0);
}


static const struct field top_fields[] = {
	{ "id", F_FN, 1, .fn = top_id },
	{ "name", F_STR, 0, .off = offsetof(struct scenario, name) },
	{ "description", F_STR, 0, .off = offsetof(struct scenario, description) },
	{ "namespaces", F_FN, 0, .fn = top_namespaces },
	{ "controller_args", F_FN, 0, .fn = top_controller_args },
	{ "objects", F_FN, 1, .fn = top_objects },
	{ "updates", F_FN, 0, .fn = top_updates },
	{ "churn", F_FN, 0, .fn = top_churn },
	{ "restart", F_MAP, 0, .sub = restart_fields },
	{ "phase", F_MAP, 0, .sub = phase_fields },
	{ "expect", F_MAP, 0, .sub = expect_fields },
	{ .key = NULL },
};

int scenario_load(const char *path, struct scenario *s)
{
	struct ydoc d;
	struct ctx x = { s };
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
		rc = fields_map(&d, ydoc_root(&d), top_fields, &x, s);
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
