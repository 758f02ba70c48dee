/* YAML documents for configuration: load, walk mappings by table, parse scalars strictly. */
#include "ydoc.h"
#include "fsio.h"
#include "num.h"
#include "wrapper.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Aliases make a document a graph that the loaders walk as a tree: a node referred to k
 * times is read k times. Refuse a document whose tree, aliases expanded, has a million
 * nodes more than it has written out ("billion laughs": a 50 KB rules.yaml took 3 GB;
 * a large scenario without aliases is fine), and an alias inside the node it refers to.
 * Each node's expanded size is worked out once, in linear time, without recursion
 * (nesting may be deep).
 */
#define MAX_ALIAS_NODES 1000000UL

static int check_aliases(struct ydoc *d)
{
	size_t n = (size_t)(d->doc.nodes.top - d->doc.nodes.start);
	const unsigned long MAX_EXPANDED_NODES = (unsigned long)n + MAX_ALIAS_NODES;
	unsigned long *size = xcalloc(n + 1, sizeof(*size));
	unsigned char *state = xcalloc(n + 1, 1);	/* 0 unseen, 1 being walked, 2 done */
	struct frame { int id; size_t next; } *st = xmalloc((n + 1) * sizeof(*st));
	size_t sp = 0;
	int rc = 0;

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

static int parse_error(struct ydoc *d, yaml_parser_t *p)
{
	if (p->problem_mark.line || p->problem_mark.column)
		errorf("%s:%zu:%zu: %s%s%s", d->path, p->problem_mark.line + 1,
		       p->problem_mark.column + 1, p->problem ? p->problem : "YAML error",
		       p->context ? " " : "", p->context ? p->context : "");
	else
		errorf("%s: %s", d->path, p->problem ? p->problem : "YAML error");
	yaml_parser_delete(p);
	return -1;
}

static int load(struct ydoc *d, yaml_parser_t *p)
{
	yaml_document_t next;
	yaml_node_t *root;

	if (!yaml_parser_load(p, &d->doc))
		return parse_error(d, p);
	d->loaded = 1;
	if (yaml_document_get_root_node(&d->doc) == NULL) {
		yaml_parser_delete(p);
		return errorf("%s: empty document", d->path);
	}
	/* A file holds one document: a second one would be silently left unread (an empty one is nothing). */
	if (!yaml_parser_load(p, &next))
		return parse_error(d, p);
	root = yaml_document_get_root_node(&next);
	if (root != NULL && !ydoc_is_null(root)) {
		int rc = errorf("%s:%zu:%zu: a second YAML document (after '---'): a file holds one document",
				d->path, next.start_mark.line + 1, next.start_mark.column + 1);
		yaml_document_delete(&next);
		yaml_parser_delete(p);
		return rc;
	}
	yaml_document_delete(&next);
	yaml_parser_delete(p);
	return check_aliases(d);
}

int ydoc_load_string(struct ydoc *d, const char *name, const char *text, size_t len)
{
	yaml_parser_t p;

	memset(d, 0, sizeof(*d));
	d->path = xstrdup(name);
	if (!yaml_parser_initialize(&p))
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
		return errorf("cannot read '%s': %s", path, fs_strerror(errno));
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

static uint64_t key_hash(const yaml_node_t *k)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < k->data.scalar.length; i++)
		h = (h ^ k->data.scalar.value[i]) * 1099511628211ULL;
	return h;
}

static int same_key(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	       memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
}

int ydoc_each(struct ydoc *d, yaml_node_t *map,
	      int (*fn)(struct ydoc *, const char *, yaml_node_t *, yaml_node_t *, void *), void *obj)
{
	size_t n, nslots = 0;
	yaml_node_t **seen = NULL;	/* the keys so far, by hash: a mapping may have many */
	int rc = 0;

	if (ydoc_expect(d, map, YAML_MAPPING_NODE) < 0)
		return -1;
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	while (nslots < 2 * n)
		nslots = nslots ? nslots * 2 : 16;
	if (nslots)
		seen = xcalloc(nslots, sizeof(*seen));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top && rc == 0; p++) {
		yaml_node_t *k = ydoc_node(d, p->key), *v = ydoc_node(d, p->value);
		size_t s;
		if (k == NULL || v == NULL) {
			rc = ydoc_error(d, map, "broken mapping");
			break;
		}
		if (k->type != YAML_SCALAR_NODE) {
			rc = ydoc_error(d, k, "keys must be plain names");
			break;
		}
		/* Later duplicates would silently win: say so instead. */
		for (s = key_hash(k) & (nslots - 1); seen[s] != NULL && !same_key(seen[s], k); s = (s + 1) & (nslots - 1))
			;
		if (seen[s] != NULL) {
			rc = ydoc_error(d, k, "duplicate key '%s'", (char *)k->data.scalar.value);
			break;
		}
		seen[s] = k;
		if (fn(d, (const char *)k->data.scalar.value, k, v, obj) < 0)
			rc = -1;
	}
	free(seen);
	return rc;
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

/* Numbers are decimal, nothing around them: not " 50", "0x32", "nan", "inf" or "1e309". */
int ydoc_double(struct ydoc *d, yaml_node_t *n, double *out)
{
	const char *s = ydoc_str(d, n);
	const char *why;

	if (s == NULL)
		return -1;
	if ((why = num_double(s, out)) != NULL)
		return ydoc_error(d, n, "'%s' is not a number (%s)", s, why);
	return 0;
}

int ydoc_long(struct ydoc *d, yaml_node_t *n, long min, long max, long *out)
{
	const char *s = ydoc_str(d, n);
	const char *why;

	if (s == NULL)
		return -1;
	why = num_long(s, min, max, out);
	if (why == NUM_NOT_WHOLE)
		return ydoc_error(d, n, "'%s' is not a whole number", s);
	if (why != NULL)
		return ydoc_error(d, n, "%s is out of range (%ld to %ld)", s, min, max);
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
