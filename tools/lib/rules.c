/* Loading the metric catalogue (rows, extraction, rules, per-scenario overrides) from YAML. */
#include "rules_int.h"
#include "nameidx.h"
#include "arena.h"
#include "wrapper.h"
#include "ydoc.h"

#include <stdlib.h>
#include <string.h>

const char *rule_kind_name(enum rule_kind k)
{
	switch (k) {
	case RK_LOWER: return "lower is better";
	case RK_HIGHER: return "higher is better";
	case RK_MATCH: return "should match";
	case RK_INFO: return "info only";
	}
	return "?";
}

/* ---- rule keys (shared by rows and overrides) ---- */

static int rule_kind(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "lower") == 0)
		x->r->kind = RK_LOWER;
	else if (strcmp(s, "higher") == 0)
		x->r->kind = RK_HIGHER;
	else if (strcmp(s, "match") == 0)
		x->r->kind = RK_MATCH;
	else if (strcmp(s, "info") == 0)
		x->r->kind = RK_INFO;
	else
		return ydoc_error(d, v, "kind must be lower, higher, match or info, not '%s'", s);
	return 0;
}

static int opt_number(struct ydoc *d, yaml_node_t *v, int *has, double *val)
{
	if (ydoc_is_null(v)) {
		*has = 0;
		return 0;
	}
	if (ydoc_double(d, v, val) < 0)
		return -1;
	*has = 1;
	return 0;
}

static int rule_max_diff(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (opt_number(d, v, &x->r->has_max_diff, &x->r->max_diff_pct) < 0)
		return -1;
	if (x->r->has_max_diff && x->r->max_diff_pct < 0)
		return ydoc_error(d, v, "max_diff_pct cannot be negative");
	return 0;
}

static int rule_min_abs(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (opt_number(d, v, &x->r->has_min_abs, &x->r->min_abs_diff) < 0)
		return -1;
	if (x->r->has_min_abs && x->r->min_abs_diff < 0)
		return ydoc_error(d, v, "min_abs_diff cannot be negative");
	return 0;
}

static int rule_max_value(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return opt_number(d, v, &x->r->has_max_value, &x->r->max_value);
}

static int rule_min_value(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return opt_number(d, v, &x->r->has_min_value, &x->r->min_value);
}

static int rule_new_metric(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return ydoc_bool(d, v, &x->r->new_metric_info);
}

static int rule_primary(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return ydoc_bool(d, v, &x->r->primary);
}

static int rule_practical_pct(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (opt_number(d, v, &x->r->has_practical_pct, &x->r->practical_pct) < 0)
		return -1;
	if (x->r->has_practical_pct && x->r->practical_pct < 0)
		return ydoc_error(d, v, "practical_pct cannot be negative");
	return 0;
}

static int rule_practical_abs(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (opt_number(d, v, &x->r->has_practical_abs, &x->r->practical_abs) < 0)
		return -1;
	if (x->r->has_practical_abs && x->r->practical_abs < 0)
		return ydoc_error(d, v, "practical_abs cannot be negative");
	return 0;
}

#define RULE_KEYS \
	{ "kind", rule_kind, 0 }, \
	{ "max_diff_pct", rule_max_diff, 0 }, \
	{ "min_abs_diff", rule_min_abs, 0 }, \
	{ "max_value", rule_max_value, 0 }, \
	{ "min_value", rule_min_value, 0 }, \
	{ "new_metric_info", rule_new_metric, 0 }, \
	{ "primary", rule_primary, 0 }, \
	{ "practical_pct", rule_practical_pct, 0 }, \
	{ "practical_abs", rule_practical_abs, 0 }, \
	{ "pass_if", rule_pass_if, 0 }

/* ---- rows ---- */

static int row_name(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0' || strcspn(s, " \t\n") != strlen(s))
		return ydoc_error(d, v, "a metric name is one word");
	if (catalogue_find(x->c, s) >= 0)
		return ydoc_error(d, v, "metric '%s' is listed twice", s);
	x->m->name = arena_strdup(x->c->arena, s);
	return 0;
}

static int row_file(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (*s == '\0' || strchr(s, '/') != NULL || strcmp(s, "..") == 0 || strcmp(s, ".") == 0)
		return ydoc_error(d, v, "file must be a plain file name, not '%s'", s);
	x->m->file = arena_strdup(x->c->arena, s);
	return 0;
}

static int row_value(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "sum") == 0)
		x->m->ex.how = EX_SUM;
	else if (strcmp(s, "first") == 0)
		x->m->ex.how = EX_FIRST;
	else if (strcmp(s, "max") == 0)
		x->m->ex.how = EX_MAX;
	else
		return ydoc_error(d, v, "value must be sum, first or max, not '%s'", s);
	return 0;
}

static int label_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	struct extract *ex = &x->m->ex;
	const char *s = ydoc_str(d, v);
	struct label_match *l;

	(void)kn;
	if (s == NULL)
		return -1;
	l = arena_grow(x->c->arena, (void *)ex->labels, ex->nlabels, ex->nlabels + 1, sizeof(*l));
	l[ex->nlabels].name = arena_strdup(x->c->arena, key);
	l[ex->nlabels].value = arena_strdup(x->c->arena, s);
	ex->labels = l;
	ex->nlabels++;
	return 0;
}

static int row_labels(struct ydoc *d, yaml_node_t *v, void *obj)
{
	return ydoc_each(d, v, label_one, obj);
}

static int row_path(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);
	const char **parts = NULL;
	size_t n = 0;

	if (s == NULL)
		return -1;
	char *copy = arena_strdup(x->c->arena, s);
	for (char *tok = strtok(copy, "."); tok; tok = strtok(NULL, ".")) {
		parts = arena_grow(x->c->arena, parts, n, n + 1, sizeof(*parts));
		parts[n++] = tok;
	}
	if (n == 0)
		return ydoc_error(d, v, "path must name at least one key");
	x->m->ex.how = EX_PATH;
	x->m->ex.path = parts;
	x->m->ex.npath = n;
	return 0;
}

static int row_unit(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	x->m->unit = arena_strdup(x->c->arena, s);
	return 0;
}

static int row_expected(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s;

	if (ydoc_is_null(v)) {
		x->m->expected_key = NULL;
		return 0;
	}
	if ((s = ydoc_str(d, v)) == NULL)
		return -1;
	x->m->expected_key = arena_strdup(x->c->arena, s);
	return 0;
}

static int row_counter(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return ydoc_bool(d, v, &x->m->counter);
}

static int row_optional(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	return ydoc_bool(d, v, &x->m->optional);
}

static int row_scale(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (ydoc_double(d, v, &x->m->scale) < 0)
		return -1;
	if (x->m->scale == 0)
		return ydoc_error(d, v, "scale cannot be 0");
	return 0;
}

static const struct ykey row_keys[] = {
	{ "name", row_name, 1 },
	{ "file", row_file, 1 },
	{ "value", row_value, 0 },
	{ "labels", row_labels, 0 },
	{ "path", row_path, 0 },
	{ "unit", row_unit, 0 },
	{ "counter", row_counter, 0 },
	{ "scale", row_scale, 0 },
	{ "expected", row_expected, 0 },
	{ "optional", row_optional, 0 },
	RULE_KEYS,
	{ NULL, NULL, 0 },
};

static const struct ykey override_keys[] = {
	RULE_KEYS,
	{ NULL, NULL, 0 },
};

static int top_metrics(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	struct catalogue *c = x->c;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		struct metric_def m = { 0 };

		m.unit = "count";
		m.scale = 1;
		m.ex.how = EX_SUM;
		m.rule.kind = RK_MATCH;
		m.rule.new_metric_info = 1;
		x->m = &m;
		x->r = &m.rule;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, row_keys, x) < 0)
			return -1;
		if (m.ex.how == EX_PATH && m.ex.nlabels)
			return ydoc_error(d, item, "labels apply to Prometheus answers, not to a path");
		if (m.rule.kind != RK_INFO && !m.rule.has_max_diff && !m.rule.has_max_value &&
		    !m.rule.has_min_value && !m.expected_key)
			return ydoc_error(d, item, "metric '%s' has no max_diff_pct, bound or expected "
					  "value to judge it by (use kind: info)", m.name);
		c->m = arena_grow(c->arena, c->m, c->n, c->n + 1, sizeof(*c->m));
		name_index_add(&c->byname, m.name, c->n);
		c->m[c->n++] = m;
	}
	if (c->n == 0)
		return ydoc_error(d, v, "no metrics listed");
	return 0;
}

static int tolerance(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (ydoc_double(d, v, &x->c->expected_tolerance_pct) < 0)
		return -1;
	if (x->c->expected_tolerance_pct < 0)
		return ydoc_error(d, v, "expected_tolerance_pct cannot be negative");
	return 0;
}

static int alpha(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	if (ydoc_double(d, v, &x->c->alpha) < 0)
		return -1;
	if (!(x->c->alpha > 0 && x->c->alpha < 1))
		return ydoc_error(d, v, "alpha must be between 0 and 1 (e.g. 0.05)");
	return 0;
}

static int override_metric(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	struct catalogue *c = x->c;
	long i = catalogue_find(c, key);

	if (i < 0)
		return ydoc_error(d, kn, "unknown metric '%s'", key);
	struct override o = { .scenario = x->scenario, .metric = (size_t)i, .rule = c->m[i].rule };
	x->r = &o.rule;
	x->m = &c->m[i];
	if (ydoc_map(d, v, override_keys, x) < 0)
		return -1;
	c->ov = arena_grow(c->arena, c->ov, c->nov, c->nov + 1, sizeof(*c->ov));
	c->ov[c->nov++] = o;
	/* Chained after the row's earlier ones: the first in the file still wins. */
	if (c->m[i].ov_last)
		c->ov[c->m[i].ov_last - 1].ov_next = c->nov;
	else
		c->m[i].ov_first = c->nov;
	c->m[i].ov_last = c->nov;
	return 0;
}

static int override_scenario(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;

	(void)kn;
	x->scenario = arena_strdup(x->c->arena, key);
	return ydoc_each(d, v, override_metric, obj);
}

static int top_scenarios(struct ydoc *d, yaml_node_t *v, void *obj)
{
	if (ydoc_is_null(v))
		return 0;
	return ydoc_each(d, v, override_scenario, obj);
}

static int top_version(struct ydoc *d, yaml_node_t *v, void *obj)
{
	long ver;

	(void)obj;
	return ydoc_long(d, v, 1, 1, &ver);
}

static int skip(struct ydoc *d, yaml_node_t *v, void *obj)
{
	(void)d;
	(void)v;
	(void)obj;
	return 0;
}

/* "scenarios" names rows, so rows are read first whatever the order of the keys. */
static const struct ykey top_first[] = {
	{ "version", skip, 1 },
	{ "expected_tolerance_pct", skip, 0 },
	{ "alpha", skip, 0 },
	{ "metrics", top_metrics, 1 },
	{ "scenarios", skip, 0 },
	{ NULL, NULL, 0 },
};

static const struct ykey top_then[] = {
	{ "version", top_version, 1 },
	{ "expected_tolerance_pct", tolerance, 0 },
	{ "alpha", alpha, 0 },
	{ "metrics", skip, 1 },
	{ "scenarios", top_scenarios, 0 },
	{ NULL, NULL, 0 },
};

int catalogue_load(const char *path, struct catalogue *c)
{
	struct ydoc d;
	struct ctx x = { c, NULL, NULL, NULL, 0, NULL };
	int rc;

	memset(c, 0, sizeof(*c));
	c->arena = arena_new();
	c->path = arena_strdup(c->arena, path);
	c->expected_tolerance_pct = 15;
	c->alpha = 0.05;
	rc = ydoc_load(&d, path);
	if (rc == 0)
		rc = ydoc_map(&d, ydoc_root(&d), top_first, &x);
	if (rc == 0)
		rc = ydoc_map(&d, ydoc_root(&d), top_then, &x);
	ydoc_free(&d);
	if (rc < 0) {
		catalogue_free(c);
		return -1;
	}
	return 0;
}

void catalogue_free(struct catalogue *c)
{
	arena_free(c->arena);
	name_index_free(&c->byname);
	memset(c, 0, sizeof(*c));
}

long catalogue_find(const struct catalogue *c, const char *name)
{
	return name_index_find(&c->byname, name);
}

const struct rule *catalogue_rule(const struct catalogue *c, const char *scenario, size_t i)
{
	for (size_t k = c->m[i].ov_first; k != 0; k = c->ov[k - 1].ov_next)
		if (strcmp(c->ov[k - 1].scenario, scenario) == 0)
			return &c->ov[k - 1].rule;
	return &c->m[i].rule;
}

char *catalogue_default_path(void)
{
	/* bin/compare or build/san/bin/compare: the tree's tools/ folder is found upward. */
	return data_file("LOADTEST_RULES", "tools/compare/rules.yaml");
}
