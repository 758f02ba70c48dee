/*
 * What the catalogue's files share, for them only: rules.c (rows, rules, overrides) and
 * rules_passif.c (pass_if).
 */
#ifndef LT_RULES_INT_H
#define LT_RULES_INT_H

#include "rules.h"
#include "ydoc.h"

/* Where the loader is: handed to every key's handler. */
struct ctx {
	struct catalogue *c;
	struct metric_def *m;	/* the row being read */
	struct rule *r;		/* the rule being read */
	struct cond *cond;	/* the condition being read */
	int cond_has_op;
	const char *scenario;	/* the override being read */
};

/* The pass_if key of a rule: its alternatives of conditions (rules_passif.c). */
int rule_pass_if(struct ydoc *d, yaml_node_t *v, void *obj);

#endif
