/*
 * Small YAML configuration files through libyaml's document loader.
 * Every complaint about the content is printed as "file:line:col: message".
 */
#ifndef LT_YDOC_H
#define LT_YDOC_H

#include <yaml.h>
#include "msg.h"

struct ydoc {
	char *path;
	yaml_document_t doc;
	int loaded;
};

/* Handler for one key of a mapping: val is the key's value node, obj the caller's target. */
typedef int (*ykey_fn)(struct ydoc *d, yaml_node_t *val, void *obj);

struct ykey {
	const char *key;
	ykey_fn fn;
	int required;
};

int ydoc_load(struct ydoc *d, const char *path);
/* Same, from memory; `name` is used in messages. */
int ydoc_load_string(struct ydoc *d, const char *name, const char *text, size_t len);
void ydoc_free(struct ydoc *d);
yaml_node_t *ydoc_root(struct ydoc *d);
yaml_node_t *ydoc_node(struct ydoc *d, int id);
int ydoc_error(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...) LT_PRINTF(3, 4);
/* Walk a mapping with a table of keys: unknown, duplicate and missing required keys are errors. */
int ydoc_map(struct ydoc *d, yaml_node_t *map, const struct ykey *table, void *obj);
/* Call fn for each key of a mapping, in order; keys must be scalars. */
int ydoc_each(struct ydoc *d, yaml_node_t *map,
	      int (*fn)(struct ydoc *d, const char *key, yaml_node_t *key_node, yaml_node_t *val, void *obj),
	      void *obj);
/* Scalars, with a clear error when the node has another type or an unparsable value. */
const char *ydoc_str(struct ydoc *d, yaml_node_t *n);
int ydoc_double(struct ydoc *d, yaml_node_t *n, double *out);
int ydoc_long(struct ydoc *d, yaml_node_t *n, long min, long max, long *out);
int ydoc_bool(struct ydoc *d, yaml_node_t *n, int *out);
/* A plain null: ~, null, or nothing. */
int ydoc_is_null(const yaml_node_t *n);
int ydoc_expect(struct ydoc *d, yaml_node_t *n, yaml_node_type_t type);

#define YDOC_SEQ_EACH(d, seq, item) \
	for (yaml_node_item_t *item##_it = (seq)->data.sequence.items.start; \
	     item##_it < (seq)->data.sequence.items.top && ((item) = ydoc_node((d), *item##_it)) != NULL; \
	     item##_it++)

#endif
