/*
 * The metric catalogue: which rows a report has, where each value comes from, and the
 * rule that judges it, with per-scenario overrides. Loaded from YAML; no rule lives in C.
 */
#ifndef LT_RULES_H
#define LT_RULES_H

#include <stddef.h>
#include "nameidx.h"
#include "prom.h"

struct arena;

enum rule_kind { RK_LOWER, RK_HIGHER, RK_MATCH, RK_INFO };
enum arm_sel { SEL_OLD, SEL_NEW, SEL_BOTH };
enum cond_op { OP_MEETS_EXPECTED, OP_MISSES_EXPECTED, OP_EQ, OP_LT, OP_GT, OP_LE, OP_GE };

struct cond {
	const char *metric;	/* NULL: the row being judged */
	enum arm_sel arm;
	enum cond_op op;
	double num;
};

/* One alternative of pass_if: every condition must hold. */
struct alt {
	struct cond *conds;
	size_t n;
};

struct rule {
	enum rule_kind kind;
	int has_max_diff;
	double max_diff_pct;
	int has_min_abs;
	double min_abs_diff;
	int new_metric_info;	/* 0 on old, non-zero on new, no expectation: "info" */
	int has_max_value;	/* absolute bounds, judged on the new (or only) arm */
	double max_value;
	int has_min_value;
	double min_value;
	struct alt *pass_if;	/* a failed row passes when any alternative holds */
	size_t npass;
	/* Over repeated runs: primary rows form the family the test is corrected over (Holm),
	 * and fail when significant and beyond the practical threshold (practical_*, else
	 * max_diff_pct / min_abs_diff); the others show their statistics and never fail. */
	int primary;
	int has_practical_pct;
	double practical_pct;
	int has_practical_abs;
	double practical_abs;
};

struct metric_def {
	const char *name;
	const char *file;
	const char *unit;	/* "count" rows are shown without a unit */
	const char *expected_key;	/* key in expected.json, or NULL */
	int counter;		/* rounded to whole numbers */
	int optional;		/* row left out when no arm has the file */
	double scale;
	struct extract ex;
	struct rule rule;
	size_t ov_first, ov_last;	/* its overrides: index + 1 in the catalogue's ov, 0: none */
};

struct override {
	const char *scenario;
	size_t metric;
	struct rule rule;
	size_t ov_next;		/* the row's next override: index + 1, 0: none */
};

struct catalogue {
	struct arena *arena;
	const char *path;
	double expected_tolerance_pct;
	double alpha;		/* significance level of statistical verdicts over repeats */
	struct metric_def *m;
	size_t n;
	struct override *ov;
	size_t nov;
	/* Rows by name, and each row's overrides chained in file order: a lookup is never a
	   scan of every row, nor of every override (which made loading and judging quadratic). */
	struct name_index byname;
};

int catalogue_load(const char *path, struct catalogue *c);
void catalogue_free(struct catalogue *c);
/* The rule for a row in a scenario: the scenario's override if any, else the row's own. */
const struct rule *catalogue_rule(const struct catalogue *c, const char *scenario, size_t i);
/* Index of a row by name, or -1. */
long catalogue_find(const struct catalogue *c, const char *name);
const char *rule_kind_name(enum rule_kind k);
/* The default catalogue: $LOADTEST_RULES, else tools/compare/rules.yaml found upward from the binary. */
char *catalogue_default_path(void);

#endif
