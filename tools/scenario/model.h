/*
 * A scenario as data: what to create, what references what, the update schedule, and what
 * to check. Loaded from a YAML file; expanded into concrete objects by graph.c.
 */
#ifndef SCENARIO_MODEL_H
#define SCENARIO_MODEL_H

#include <stddef.h>

struct arena;

enum obj_kind { K_CONFIGMAP, K_SECRET, K_DEPLOYMENT, K_STATEFULSET, K_DAEMONSET, K_NKINDS };
enum ref_via { VIA_ENVFROM, VIA_INIT_ENVFROM, VIA_ENV_KEY, VIA_VOLUME, VIA_PROJECTED };
enum change_kind { CH_DATA, CH_NOOP, CH_TAIL };
enum pick_kind { PICK_RANDOM, PICK_ROUND_ROBIN, PICK_ALTERNATE };

struct data_spec {
	const char *key;
	const char *value;	/* literal value, or the text repeated up to `size` bytes */
	long size;		/* 0: the value as written */
};

/* Where a name was written in the scenario file, for messages found while expanding it. */
struct pos {
	int line, col;
};

struct ref_spec {
	enum obj_kind kind;
	const char *name;	/* pattern, e.g. "mixed-cm-{i}" or "complex-cm-{(i+1)%5}" */
	struct pos at;
	enum ref_via via[8];
	size_t nvia;
	const char *keys[4];	/* for env_key: the keys read through valueFrom */
	size_t nkeys;
};

struct kv {
	const char *key;
	const char *value;
};

struct obj_spec {
	enum obj_kind kind;
	const char *name;	/* pattern with {i}, {i+1}, {(i+1)%5} ... */
	struct pos name_at;
	long count;
	struct data_spec *data;
	size_t ndata;
	struct ref_spec *refs;
	size_t nrefs;
	struct kv *annotations;	/* workload annotations, besides reloader.stakater.com/auto */
	size_t nannotations;
	int auto_annotation;	/* reloader.stakater.com/auto: "true" (default) */
	int line;		/* where it was defined, for messages */
};

struct target_spec {
	enum obj_kind kind;
	const char *name;	/* pattern matched against expanded names: {i} is any index */
	struct pos at;
};

struct update_spec {
	double every;		/* seconds between updates of one writer */
	long writers;		/* concurrent writers, each on its own schedule */
	struct target_spec *targets;
	size_t ntargets;
	enum pick_kind pick;
	enum change_kind change;
	const char *keys[8];	/* keys changed (default: every key for data, the first for tail) */
	size_t nkeys;
	int during_restart;	/* sent only while the controller restart runs (the controller is down) */
};

struct churn_spec {
	int set;
	double every;		/* create one workload every `every` seconds */
	long keep;		/* once more than keep exist, delete the one keep behind */
	struct obj_spec workload;
};

struct scenario {
	struct arena *arena;
	const char *file;
	const char *id;
	const char *name;
	const char *description;
	const char **namespaces;
	size_t nns;
	const char **controller_args;
	size_t nargs;
	struct obj_spec *objs;
	size_t nobjs;
	struct update_spec *updates;
	size_t nupdates;
	struct churn_spec churn;
	double restart_at;	/* < 0: no controller restart */
	int restart_catch_up;	/* the restarted controller must catch up on what it missed while down */
	double phase_minus;	/* update phase = duration - phase_minus ... */
	double phase_min;	/* ... but at least phase_min */
	int exact;		/* expected counts follow exactly from the updates */
	int expect_fewer;	/* rollouts must be fewer than updates (pause period) */
	double min_rate;	/* fraction of the intended updates that must succeed (default 0.95) */
	const char *expect_annotation;	/* pod-template annotation every rolled workload carries */
	long scale;		/* --scale: the factor the object counts were multiplied by (1) */
	struct kv *sets;	/* --set KEY=VALUE, in the order given */
	size_t nsets;
};

/* Most objects of one entry after --scale (the file itself allows 100000). */
#define SCENARIO_MAX_COUNT 1000000

/* Load a scenario file; messages are "file:line:col: what is wrong". */
int scenario_load(const char *path, struct scenario *s);
void scenario_free(struct scenario *s);
/*
 * --set KEY=VALUE: change one value of the loaded scenario (count.NAME, updates.N.every,
 * updates.N.writers, churn.every, churn.keep, phase.minus, phase.min, restart.at), or the
 * run's duration ("duration", into *duration). -1 after printing "--set KEY: why".
 */
int scenario_set(struct scenario *s, const char *assignment, double *duration);
/* --scale N: multiply the count of every object entry whose name is a pattern; -1 (printed). */
int scenario_scale(struct scenario *s, long factor);
/* Resolve "S2" to the shipped file, or take a path as is; malloc'd. */
char *scenario_path(const char *id_or_file);
/* Update phase length for a requested duration. */
double scenario_phase(const struct scenario *s, double duration);

const char *kind_name(enum obj_kind k);
int kind_is_workload(enum obj_kind k);
/*
 * Expand a name pattern for index i: "{i}" and integer expressions over i with + - * / %
 * and parentheses inside braces. Returns a malloc'd string or NULL (and *err set).
 */
char *pattern_expand(const char *pattern, long i, const char **err);

/* Kubernetes' limits on names (its DNS-1123 rules). */
#define NAME_MAX_OBJECT 253	/* a ConfigMap's or Secret's name: a DNS subdomain */
#define NAME_MAX_LABEL 63	/* a namespace; a workload's name, also its pods' label value */
/*
 * What is wrong with name as a Kubernetes name of at most max characters: a DNS subdomain
 * (dot-separated labels) when dots is set, else a DNS label; NULL when nothing is.
 */
const char *k8s_name_problem(const char *name, size_t max, int dots);
/* The longest name a kind may have. */
size_t kind_name_max(enum obj_kind k);

#endif
