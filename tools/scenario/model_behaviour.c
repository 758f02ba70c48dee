/* The scenario file's behaviour: update streams, churn, the controller restart, the phase, expectations. */
#include "model_yaml.h"
#include "arena.h"
#include "num.h"

#include <stddef.h>
#include <string.h>

/* ---- updates ---- */

static const struct field tgt_fields[] = {
	{ "kind", F_KIND, 1, .off = offsetof(struct target_spec, kind), .min = 0 },
	{ "name", F_PATTERN, 1, .off = offsetof(struct target_spec, name), .off2 = offsetof(struct target_spec, at) },
	{ .key = NULL },
};

static int upd_targets(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct update_spec *u = base;
	yaml_node_t *item;

	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		u->targets = arena_grow(x->s->arena, u->targets, u->ntargets, u->ntargets + 1, sizeof(*u->targets));
		struct target_spec *t = &u->targets[u->ntargets++];
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || fields_map(d, item, tgt_fields, x, t) < 0 ||
		    check_name(d, t->at, t->kind, t->name, 0) < 0)
			return -1;
	}
	if (u->ntargets == 0)
		return ydoc_error(d, v, "targets needs at least one entry");
	return 0;
}

/* The index of s in names[0..n), or -1 after printing "KEY must be A, B or C, not 's'". */
static int one_of(struct ydoc *d, yaml_node_t *v, const char *key, const char *const *names, int n)
{
	const char *s = ydoc_str(d, v);

	if (s == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	char list[128] = "";
	for (int i = 0; i < n; i++) {
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", names[i]);
	}
	return ydoc_error(d, v, "%s must be %s, not '%s'", key, list, s);
}

static int upd_pick(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	static const char *const names[] = { "random", "round_robin", "alternate" };
	static const enum pick_kind kinds[] = { PICK_RANDOM, PICK_ROUND_ROBIN, PICK_ALTERNATE };
	int i = one_of(d, v, "pick", names, 3);

	(void)x;
	if (i < 0)
		return -1;
	((struct update_spec *)base)->pick = kinds[i];
	return 0;
}

static int upd_change(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	static const char *const names[] = { "data", "noop", "tail" };
	static const enum change_kind kinds[] = { CH_DATA, CH_NOOP, CH_TAIL };
	int i = one_of(d, v, "change", names, 3);

	(void)x;
	if (i < 0)
		return -1;
	((struct update_spec *)base)->change = kinds[i];
	return 0;
}

static int upd_during(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	static const char *const names[] = { "restart" };

	(void)x;
	if (one_of(d, v, "during", names, 1) < 0)
		return -1;
	((struct update_spec *)base)->during_restart = 1;
	return 0;
}

static const struct field upd_fields[] = {
	{ "every", F_DURATION, 1, .off = offsetof(struct update_spec, every), .at_least = 0.001 },
	{ "during", F_FN, 0, .fn = upd_during },
	{ "writers", F_LONG, 0, .off = offsetof(struct update_spec, writers), .min = 1, .max = 1000 },
	{ "targets", F_FN, 1, .fn = upd_targets },
	{ "pick", F_FN, 0, .fn = upd_pick },
	{ "change", F_FN, 0, .fn = upd_change },
	{ "keys", F_STRS, 0, .off = offsetof(struct update_spec, keys), .off2 = offsetof(struct update_spec, nkeys),
	  .max = 8 },
	{ .key = NULL },
};

int top_updates(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct scenario *s = x->s;
	yaml_node_t *item;

	(void)base;
	if (ydoc_expect(d, v, YAML_SEQUENCE_NODE) < 0)
		return -1;
	YDOC_SEQ_EACH(d, v, item) {
		s->updates = arena_grow(s->arena, s->updates, s->nupdates, s->nupdates + 1, sizeof(*s->updates));
		struct update_spec *u = &s->updates[s->nupdates++];
		u->writers = 1;
		if (ydoc_expect(d, item, YAML_MAPPING_NODE) < 0 || fields_map(d, item, upd_fields, x, u) < 0)
			return -1;
	}
	return 0;
}

/* ---- churn, restart, phase, expect ---- */

static int churn_workload(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	struct churn_spec *c = base;

	if (read_obj(d, v, x, &c->workload) < 0)
		return -1;
	if (!kind_is_workload(c->workload.kind))
		return ydoc_error(d, v, "churn creates workloads, not %s", kind_name(c->workload.kind));
	return 0;
}

static const struct field churn_fields[] = {
	{ "every", F_DURATION, 1, .off = offsetof(struct churn_spec, every), .at_least = 0.001 },
	{ "keep", F_LONG, 1, .off = offsetof(struct churn_spec, keep), .min = 1, .max = 100000 },
	{ "workload", F_FN, 1, .fn = churn_workload },
	{ .key = NULL },
};

int top_churn(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	(void)base;
	x->s->churn.set = 1;
	return fields_map(d, v, churn_fields, x, &x->s->churn);
}

const struct field restart_fields[] = {
	{ "at", F_DURATION, 1, .off = offsetof(struct scenario, restart_at) },
	{ "catch_up", F_BOOL, 0, .off = offsetof(struct scenario, restart_catch_up) },
	{ .key = NULL },
};

const struct field phase_fields[] = {
	{ "minus", F_DURATION, 0, .off = offsetof(struct scenario, phase_minus) },
	{ "min", F_DURATION, 0, .off = offsetof(struct scenario, phase_min) },
	{ .key = NULL },
};

/* "95%" or 0.95: the share of the intended updates that must succeed. */
static int exp_min_rate(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base)
{
	const char *s = ydoc_str(d, v);
	size_t n;
	char num[64];
	double f;

	(void)x;
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
	((struct scenario *)base)->min_rate = f;
	return 0;
}

const struct field expect_fields[] = {
	{ "exact", F_BOOL, 0, .off = offsetof(struct scenario, exact) },
	{ "min_rate", F_FN, 0, .fn = exp_min_rate },
	{ "fewer_rolls_than_updates", F_BOOL, 0, .off = offsetof(struct scenario, expect_fewer) },
	{ "annotation", F_STR, 0, .off = offsetof(struct scenario, expect_annotation) },
	{ .key = NULL },
};
