/* YAML documents for configuration: load, walk mappings by table, parse scalars strictly. */
#include "ydoc.h"
#include "fsio.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Aliases make a document a graph that the loaders walk as a tree: a node referred to k
 * times is read k times. Refuse a document whose tree, aliases expanded, has more nodes
 * than any configuration needs ("billion laughs": a 50 KB rules.yaml took 3 GB), and an
 * alias inside the node it refers to. Each node's expanded size is worked out once, in
 * linear time, without recursion (nesting may be deep).
 */
#define MAX_EXPANDED_NODES 1000000UL

static int check_aliases(struct ydoc *d)
{
	size_t n = (size_t)(d->doc.nodes.top - d->doc.nodes.start);
	unsigned long *size = calloc(n + 1, sizeof(*size));
	unsigned char *state = calloc(n + 1, 1);	/* 0 unseen, 1 being walked, 2 done */
	struct frame { int id; size_t next; } *st = malloc((n + 1) * sizeof(*st));
	size_t sp = 0;
	int rc = 0;

	if (size == NULL || state == NULL || st == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	st[sp++] = (struct frame){ 1, 0 };
	state[1] = 1;
	while (sp > 0 && rc == 0) {
		struct frame *f = &st[sp - 1];
		yaml_node_t *node = ydoc_node(d, f->id);
		int child = 0;

		if (node->type == YAML_SEQUENCE_NODE) {
			yaml_node_item_t *items = node->data.sequence.items.start;
			if (f->next < (size_t)(node->data.sequence.items.top - items))
				child = items[f->next];
		} else if (node->type == YAML_MAPPING_NODE) {
			yaml_node_pair_t *pairs = node->data.mapping.pairs.start;
			if (f->next / 2 < (size_t)(node->data.mapping.pairs.top - pairs))
				child = f->next % 2 ? pairs[f->next / 2].value : pairs[f->next / 2].key;
		}
		if (child != 0) {
			f->next++;
			if (child < 1 || (size_t)child > n)
				rc = ydoc_error(d, node, "broken document");
			else if (state[child] == 1)
				rc = ydoc_error(d, node, "an alias refers to a node that holds it");
			else if (state[child] == 2 && (size[f->id] += size[child]) > MAX_EXPANDED_NODES)
				rc = ydoc_error(d, node, "aliases expand this document to more than %lu nodes",
						MAX_EXPANDED_NODES);
			else if (state[child] == 0) {
				state[child] = 1;
				st[sp++] = (struct frame){ child, 0 };
			}
		} else {
			size[f->id] += 1;
			state[f->id] = 2;
			if (size[f->id] > MAX_EXPANDED_NODES)
				rc = ydoc_error(d, node, "aliases expand this document to more than %lu nodes",
						MAX_EXPANDED_NODES);
			else if (--sp > 0)
				size[st[sp - 1].id] += size[f->id];
		}
	}
	free(st);
	free(state);
	free(size);
	return rc;
}

static int load(struct ydoc *d, yaml_parser_t *p)
{
	if (!yaml_parser_load(p, &d->doc)) {
		if (p->problem_mark.line || p->problem_mark.column)
			errorf("%s:%zu:%zu: %s%s%s", d->path, p->problem_mark.line + 1,
			       p->problem_mark.column + 1, p->problem ? p->problem : "YAML error",
			       p->context ? " " : "", p->context ? p->context : "");
		else
			errorf("%s: %s", d->path, p->problem ? p->problem : "YAML error");
		yaml_parser_delete(p);
		return -1;
	}
	yaml_parser_delete(p);
	d->loaded = 1;
	if (yaml_document_get_root_node(&d->doc) == NULL)
		return errorf("%s: empty document", d->path);
	return check_aliases(d);
}

int ydoc_load_string(struct ydoc *d, const char *name, const char *text, size_t len)
{
	yaml_parser_t p;

	memset(d, 0, sizeof(*d));
	d->path = strdup(name);
	if (d->path == NULL || !yaml_parser_initialize(&p))
		return errorf("out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	return load(d, &p);
}

int ydoc_load(struct ydoc *d, const char *path)
{
	size_t len;
	char *text = fs_read(path, &len);
	int rc;

	if (text == NULL) {
		memset(d, 0, sizeof(*d));
		return errorf("cannot read '%s': %s", path, strerror(errno));
	}
	rc = ydoc_load_string(d, path, text, len);
	free(text);
	return rc;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	free(d->path);
	memset(d, 0, sizeof(*d));
}

yaml_node_t *ydoc_root(struct ydoc *d)
{
	return yaml_document_get_root_node(&d->doc);
}

yaml_node_t *ydoc_node(struct ydoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

int ydoc_error(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n)
		return errorf("%s:%zu:%zu: %s", d->path, n->start_mark.line + 1,
			      n->start_mark.column + 1, buf);
	return errorf("%s: %s", d->path, buf);
}

static const char *type_name(yaml_node_type_t t)
{
	switch (t) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

int ydoc_expect(struct ydoc *d, yaml_node_t *n, yaml_node_type_t type)
{
	if (n->type != type)
		return ydoc_error(d, n, "expected %s, found %s", type_name(type), type_name(n->type));
	return 0;
}

int ydoc_each(struct ydoc *d, yaml_node_t *map,
	      int (*fn)(struct ydoc *, const char *, yaml_node_t *, yaml_node_t *, void *), void *obj)
{
	if (ydoc_expect(d, map, YAML_MAPPING_NODE) < 0)
		return -1;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		if (k == NULL || v == NULL)
			return ydoc_error(d, map, "broken mapping");
		if (k->type != YAML_SCALAR_NODE)
			return ydoc_error(d, k, "keys must be plain names");
		/* Later duplicates would silently win: say so instead. */
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = ydoc_node(d, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    strcmp((char *)k2->data.scalar.value, (char *)k->data.scalar.value) == 0)
				return ydoc_error(d, k, "duplicate key '%s'", (char *)k->data.scalar.value);
		}
		if (fn(d, (const char *)k->data.scalar.value, k, v, obj) < 0)
			return -1;
	}
	return 0;
}

struct table_walk {
	const struct ykey *table;
	void *obj;
	unsigned long seen;
};

static int table_one(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *arg)
{
	struct table_walk *w = arg;

	for (int i = 0; w->table[i].key; i++) {
		if (strcmp(w->table[i].key, key) == 0) {
			w->seen |= 1UL << i;
			return w->table[i].fn(d, v, w->obj);
		}
	}
	return ydoc_error(d, kn, "unknown key '%s'", key);
}

int ydoc_map(struct ydoc *d, yaml_node_t *map, const struct ykey *table, void *obj)
{
	struct table_walk w = { table, obj, 0 };

	if (ydoc_each(d, map, table_one, &w) < 0)
		return -1;
	for (int i = 0; table[i].key; i++)
		if (table[i].required && !(w.seen & (1UL << i)))
			return ydoc_error(d, map, "missing key '%s'", table[i].key);
	return 0;
}

int ydoc_is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *s = (const char *)n->data.scalar.value;
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

const char *ydoc_str(struct ydoc *d, yaml_node_t *n)
{
	if (ydoc_expect(d, n, YAML_SCALAR_NODE) < 0)
		return NULL;
	return (const char *)n->data.scalar.value;
}

int ydoc_double(struct ydoc *d, yaml_node_t *n, double *out)
{
	const char *s = ydoc_str(d, n);
	char *end;
	double v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v))
		return ydoc_error(d, n, "'%s' is not a number", s);
	*out = v;
	return 0;
}

int ydoc_long(struct ydoc *d, yaml_node_t *n, long min, long max, long *out)
{
	const char *s = ydoc_str(d, n);
	char *end;
	long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE)
		return ydoc_error(d, n, "'%s' is not a whole number", s);
	if (v < min || v > max)
		return ydoc_error(d, n, "%ld is out of range (%ld to %ld)", v, min, max);
	*out = v;
	return 0;
}

int ydoc_bool(struct ydoc *d, yaml_node_t *n, int *out)
{
	const char *s = ydoc_str(d, n);

	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "yes") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "no") == 0) {
		*out = 0;
		return 0;
	}
	return ydoc_error(d, n, "'%s' is not true or false", s);
}
