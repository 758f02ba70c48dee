/*
 * A rule's pass_if: alternatives of conditions on rows (this row, or one listed before it)
 * that let a failed row pass.
 */
#include "rules_int.h"
#include "arena.h"

#include <string.h>

static int cond_metric(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	x->cond->metric = arena_strdup(x->c->arena, s);
	return 0;
}

static int cond_arm(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	if (strcmp(s, "old") == 0)
		x->cond->arm = SEL_OLD;
	else if (strcmp(s, "new") == 0)
		x->cond->arm = SEL_NEW;
	else if (strcmp(s, "both") == 0)
		x->cond->arm = SEL_BOTH;
	else
		return ydoc_error(d, v, "arm must be old, new or both, not '%s'", s);
	return 0;
}

static int set_op(struct ydoc *d, yaml_node_t *v, struct ctx *x, enum cond_op op)
{
	if (x->cond_has_op)
		return ydoc_error(d, v, "a condition has exactly one test");
	x->cond_has_op = 1;
	x->cond->op = op;
	if (op == OP_MEETS_EXPECTED) {
		int b;
		if (ydoc_bool(d, v, &b) < 0)
			return -1;
		x->cond->op = b ? OP_MEETS_EXPECTED : OP_MISSES_EXPECTED;
		return 0;
	}
	return ydoc_double(d, v, &x->cond->num);
}

#define OPFN(fn, op) \
	static int fn(struct ydoc *d, yaml_node_t *v, void *obj) { return set_op(d, v, obj, op); }
OPFN(cond_meets, OP_MEETS_EXPECTED)
OPFN(cond_eq, OP_EQ)
OPFN(cond_lt, OP_LT)
OPFN(cond_gt, OP_GT)
OPFN(cond_le, OP_LE)
OPFN(cond_ge, OP_GE)

static const struct ykey cond_keys[] = {
	{ "metric", cond_metric, 0 },
	{ "arm", cond_arm, 1 },
	{ "meets_expected", cond_meets, 0 },
	{ "equals", cond_eq, 0 },
	{ "below", cond_lt, 0 },
	{ "above", cond_gt, 0 },
	{ "at_most", cond_le, 0 },
	{ "at_least", cond_ge, 0 },
	{ NULL, NULL, 0 },
};

static int read_alt(struct ydoc *d, yaml_node_t *seq, struct ctx *x, struct alt *alt)
{
	yaml_node_t *item;

	if (ydoc_expect(d, seq, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, seq, item) {
		alt->conds = arena_grow(x->c->arena, alt->conds, alt->n, alt->n + 1, sizeof(*alt->conds));
		x->cond = &alt->conds[alt->n++];
		x->cond_has_op = 0;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || ydoc_map(d, item, cond_keys, x) < 0)
			return -1;
		if (!x->cond_has_op)
			return ydoc_error(d, item, "a condition needs a test: meets_expected, equals, "
					  "below, above, at_most or at_least");
		if (x->cond->metric && catalogue_find(x->c, x->cond->metric) < 0)
			return ydoc_error(d, item, "unknown metric '%s' (conditions name rows listed "
					  "before this one)", x->cond->metric);
	}
	if (alt->n == 0)
		return ydoc_error(d, seq, "an alternative of pass_if needs at least one condition");
	return 0;
}

int rule_pass_if(struct ydoc *d, yaml_node_t *v, void *obj)
{
	struct ctx *x = obj;
	struct rule *r = x->r;
	yaml_node_t *item;

	r->pass_if = NULL;
	r->npass = 0;
	if (ydoc_is_null(v))
		return 0;
	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		r->pass_if = arena_grow(x->c->arena, r->pass_if, r->npass, r->npass + 1, sizeof(*r->pass_if));
		if (read_alt(d, item, x, &r->pass_if[r->npass++]) < 0)
			return -1;
	}
	return 0;
}
