/*
 * Inside the scenario loader (model*.c): the state of one load, the value readers every
 * section shares, and the typed field tables each section's keys are read through.
 */
#ifndef SCENARIO_MODEL_YAML_H
#define SCENARIO_MODEL_YAML_H

#include <stddef.h>
#include "model.h"
#include "ydoc.h"

/* The longest duration a scenario may give: a year, far beyond any run. */
#define MAX_DURATION (365.0 * 86400)

/* One load: the scenario being filled. */
struct ctx {
	struct scenario *s;
};

/*
 * A key of a mapping and what its value becomes. Most keys are a typed field of the struct
 * the table fills (`base`, at `off`); the others have a reader of their own (F_FN).
 */
enum ftype {
	F_LONG,		/* long, from min to max */
	F_BOOL,		/* int */
	F_DURATION,	/* double seconds ("500ms", "2s", "1m"); at least `at_least` when not 0 */
	F_STR,		/* const char *, copied into the scenario's arena */
	F_KIND,		/* enum obj_kind; min -1: any, 0: ConfigMap or Secret, 1: a workload */
	F_PATTERN,	/* const char * name pattern, its position at off2 (a struct pos) */
	F_STRS,		/* a list of at most max strings: const char *[max] at off, its size_t count at off2 */
	F_MAP,		/* a mapping read through sub, its base at base + off */
	F_FN,		/* fn(d, value, x, base) */
};

struct field;
typedef int (*field_fn)(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base);

struct field {
	const char *key;
	enum ftype type;
	int required;
	size_t off, off2;
	long min, max;
	double at_least;
	const struct field *sub;
	field_fn fn;
};

/*
 * Read the mapping map through table into base: unknown, duplicate and missing required
 * keys are errors (file:line:col), as ydoc_map's. 0, or -1 after printing why.
 */
int fields_map(struct ydoc *d, yaml_node_t *map, const struct field *table, struct ctx *x, void *base);

/* Value readers shared by the sections; each prints file:line:col and returns -1 on error. */
char *sdup(struct ctx *x, const char *s);
/* "100ms", "2s", "1.5m", or a number of seconds; NULL, or why not (said after the value). */
const char *parse_duration(const char *s, double *out);
int yaml_duration(struct ydoc *d, yaml_node_t *v, double *out);
int parse_kind(struct ydoc *d, yaml_node_t *v, int want_workload, enum obj_kind *out);
struct pos pos_of(const yaml_node_t *n);
/* The name of index i of a pattern of kind k, as Kubernetes would take it. */
int check_name(struct ydoc *d, struct pos at, enum obj_kind k, const char *pat, long i);
int str_list(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char ***out, size_t *n, size_t max);
/* A list of at most max strings into a fixed array (keys of a ref or of an update). */
int str_array(struct ydoc *d, yaml_node_t *v, struct ctx *x, const char **arr, size_t *n, size_t max);

/* The sections (model_objects.c, model_behaviour.c). */
int read_obj(struct ydoc *d, yaml_node_t *item, struct ctx *x, struct obj_spec *ob);
int top_objects(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base);
int top_updates(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base);
int top_churn(struct ydoc *d, yaml_node_t *v, struct ctx *x, void *base);
extern const struct field restart_fields[], phase_fields[], expect_fields[];

#endif
