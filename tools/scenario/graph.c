/* The reference graph and the observer's bookkeeping on it. */
#include "graph.h"
#include "fingerprint.h"
#include "msg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	return q;
}

static uint64_t hash3(int kind, const char *ns, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind;

	for (const char *p = ns; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '/') * 1099511628211ULL;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void index_put(struct graph *g, int kind, const char *ns, const char *name, long val);

static void rehash(struct graph *g)
{
	size_t n = g->nslots ? g->nslots * 2 : 1024;

	free(g->slots);
	g->slots = calloc(n, sizeof(*g->slots));
	if (g->slots == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	g->nslots = n;
	for (size_t i = 0; i < g->ncfg; i++)
		index_put(g, g->cfg[i].kind, g->cfg[i].ns, g->cfg[i].name, (long)i + 1);
	for (size_t i = 0; i < g->nwl; i++)
		index_put(g, g->wl[i].kind, g->wl[i].ns, g->wl[i].name, -((long)i + 1));
}

static void index_put(struct graph *g, int kind, const char *ns, const char *name, long val)
{
	size_t mask = g->nslots - 1;

	for (size_t s = hash3(kind, ns, name) & mask;; s = (s + 1) & mask) {
		if (g->slots[s] == 0) {
			g->slots[s] = val;
			return;
		}
	}
}

static long index_get(const struct graph *g, int kind, const char *ns, const char *name, int want_cfg)
{
	size_t mask = g->nslots - 1;

	if (g->nslots == 0)
		return -1;
	for (size_t s = hash3(kind, ns, name) & mask; g->slots[s] != 0; s = (s + 1) & mask) {
		long v = g->slots[s];
		if (want_cfg && v > 0) {
			const struct cfgobj *c = &g->cfg[v - 1];
			if ((int)c->kind == kind && strcmp(c->ns, ns) == 0 && strcmp(c->name, name) == 0)
				return v - 1;
		} else if (!want_cfg && v < 0) {
			const struct workload *w = &g->wl[-v - 1];
			if ((int)w->kind == kind && strcmp(w->ns, ns) == 0 && strcmp(w->name, name) == 0)
				return -v - 1;
		}
	}
	return -1;
}

static void index_add(struct graph *g, int kind, const char *ns, const char *name, long val)
{
	/* Keep the table at most half full. */
	if ((g->ncfg + g->nwl) * 2 >= g->nslots)
		rehash(g);
	else
		index_put(g, kind, ns, name, val);
}

long graph_find_cfg(const struct graph *g, enum obj_kind kind, const char *ns, const char *name)
{
	return index_get(g, kind, ns, name, 1);
}

long graph_find_wl(const struct graph *g, enum obj_kind kind, const char *ns, const char *name)
{
	return index_get(g, kind, ns, name, 0);
}

/* ---- fingerprints: which version of which object a template records ---- */

/*
 * Keyed by the fingerprint and the object: objects created with the same data (a scaled
 * scenario's thousands of ConfigMaps as created) share a fingerprint, and one chain of
 * them all would make every lookup walk it.
 */
static uint64_t fp_hash(const unsigned char fp[20], size_t c)
{
	uint64_t h = 0;

	memcpy(&h, fp, sizeof(h));
	h ^= ((uint64_t)c + 1) * 0x9E3779B97F4A7C15ULL;
	h ^= h >> 29;
	return h;
}

static void fp_put(struct graph *g, size_t c, size_t v)
{
	size_t mask = g->nfpslots - 1;

	for (size_t s = fp_hash(g->cfg[c].ver[v].fp, c) & mask;; s = (s + 1) & mask) {
		if (g->fps[s].cfg1 == 0) {
			g->fps[s].cfg1 = (uint32_t)c + 1;
			g->fps[s].ver = (uint32_t)v;
			return;
		}
	}
}

static void fp_add(struct graph *g, size_t c, size_t v)
{
	if ((g->nfps + 1) * 2 >= g->nfpslots) {
		size_t n = g->nfpslots ? g->nfpslots * 2 : 1024;
		free(g->fps);
		g->fps = calloc(n, sizeof(*g->fps));
		if (g->fps == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		g->nfpslots = n;
		for (size_t i = 0; i < g->ncfg; i++)
			for (size_t k = 0; k < g->cfg[i].nver; k++)
				if (g->cfg[i].ver[k].has_fp && !(i == c && k == v))
					fp_put(g, i, k);
	}
	fp_put(g, c, v);
	g->nfps++;
}

/*
 * The version of an object w references whose data has fingerprint fp; 0 if none. Objects
 * created with the same data share a fingerprint: only w's own count. The same data written
 * twice to one object: the latest.
 */
static int fp_find(const struct graph *g, const unsigned char fp[20], const struct workload *w, size_t *c,
		   size_t *v, size_t *k)
{
	size_t mask = g->nfpslots - 1;
	int found = 0;

	if (g->nfpslots == 0)
		return 0;
	for (size_t r = 0; r < w->nrefs; r++) {
		size_t ref = w->refs[r];
		for (size_t s = fp_hash(fp, ref) & mask; g->fps[s].cfg1 != 0; s = (s + 1) & mask) {
			const struct fpslot *f = &g->fps[s];
			if (f->cfg1 - 1 != ref)
				continue;
			const struct version *ver = &g->cfg[ref].ver[f->ver];
			if (memcmp(ver->fp, fp, 20) != 0 || ver->state == V_FAILED)
				continue;
			if (!found || ver->order > g->cfg[*c].ver[*v].order) {
				*c = ref;
				*v = f->ver;
				*k = r;
				found = 1;
			}
		}
	}
	return found;
}

/* ---- building the graph ---- */

/*
 * The name of index i of pattern pat (written at `at`) for an object of kind k; NULL
 * after printing why as a scenario error, file:line:col: an overflow or a division by zero
 * met only at this index, or a name Kubernetes would refuse.
 */
static char *name_at(const struct scenario *s, struct pos at, enum obj_kind k, const char *pat, long i)
{
	const char *err = NULL, *why;
	char *name = pattern_expand(pat, i, &err);

	if (name == NULL) {
		errorf("%s:%d:%d: bad name pattern '%s': %s (i = %ld)", s->file, at.line, at.col, pat, err, i);
		return NULL;
	}
	if ((why = k8s_name_problem(name, kind_name_max(k), 1)) != NULL) {
		errorf("%s:%d:%d: %s name '%s' %s", s->file, at.line, at.col, kind_name(k), name, why);
		free(name);
		return NULL;
	}
	return name;
}

/* Resolve a workload's references; -1 when one names an object the scenario does not create. */
static int link_refs(struct graph *g, const struct scenario *s, size_t w)
{
	struct workload *wl = &g->wl[w];

	/* At most one entry per ref: sized once (growing by one copies it all every time under
	   some allocators: quadratic for a workload with 100,000 refs). */
	if (wl->spec->nrefs > 0) {
		wl->refs = xrealloc(wl->refs, wl->spec->nrefs * sizeof(*wl->refs));
		wl->rs = xrealloc(wl->rs, wl->spec->nrefs * sizeof(*wl->rs));
	}
	for (size_t r = 0; r < wl->spec->nrefs; r++) {
		const struct ref_spec *ref = &wl->spec->refs[r];
		char *name = name_at(s, ref->at, ref->kind, ref->name, wl->idx);
		if (name == NULL)
			return -1;
		long c = graph_find_cfg(g, ref->kind, wl->ns, name);
		if (c < 0) {
			errorf("%s:%d:%d: %s '%s' references %s '%s', which the scenario does not create in %s",
			       s->file, ref->at.line, ref->at.col, kind_name(wl->kind), wl->name, kind_name(ref->kind),
			       name, wl->ns);
			free(name);
			return -1;
		}
		free(name);
		/* Each object once, however many refs name it: a mark per object, not a search. */
		if (g->linked[c] == w + 1)
			continue;
		g->linked[c] = w + 1;
		memset(&wl->rs[wl->nrefs], 0, sizeof(*wl->rs));
		wl->refs[wl->nrefs++] = (size_t)c;
		struct cfgobj *co = &g->cfg[c];
		if (co->nusers == co->capusers) {
			co->capusers = co->capusers ? co->capusers * 2 : 4;
			co->users = xrealloc(co->users, co->capusers * sizeof(*co->users));
		}
		co->users[co->nusers++] = w;
	}
	return 0;
}

static size_t ns_index(const struct scenario *s, const char *ns)
{
	for (size_t i = 0; i < s->nns; i++)
		if (s->namespaces[i] == ns || strcmp(s->namespaces[i], ns) == 0)
			return i;
	return 0;
}

/* A workload named name (taken) of spec in namespace nsi; its index. */
static size_t new_workload(struct graph *g, const struct scenario *s, const struct obj_spec *spec, size_t nsi,
			   char *name, long idx)
{
	if (g->nwl == g->capwl) {
		g->capwl = g->capwl ? g->capwl * 2 : 64;
		g->wl = xrealloc(g->wl, g->capwl * sizeof(*g->wl));
	}
	struct workload *w = &g->wl[g->nwl];
	memset(w, 0, sizeof(*w));
	w->kind = spec->kind;
	w->ns = s->namespaces[nsi];
	w->nsi = nsi;
	w->name = name;
	w->spec = spec;
	w->idx = idx;
	w->last_roll = -1;
	w->created_sent = -1;
	w->created_ack = -1;
	g->nwl++;
	index_add(g, w->kind, w->ns, w->name, -(long)g->nwl);
	return g->nwl - 1;
}

/* The ConfigMaps/Secrets of spec o in namespace ns: count of them from spec_first[...]. */
static size_t *spec_first(const struct graph *g, size_t o, size_t ns)
{
	return &g->spec_first[o * g->nns + ns];
}

/* Specs by kind and name pattern, for the targets that name a pattern. */
static long spec_find(const struct graph *g, enum obj_kind kind, const char *pattern)
{
	size_t mask = g->nspecslots - 1;

	if (g->nspecslots == 0)
		return -1;
	for (size_t i = hash3(kind, "", pattern) & mask; g->specslots[i] != 0; i = (i + 1) & mask) {
		const struct obj_spec *o = &g->objs[g->specslots[i] - 1];
		if (o->kind == kind && strcmp(o->name, pattern) == 0)
			return (long)g->specslots[i] - 1;
	}
	return -1;
}

static void spec_index(struct graph *g)
{
	size_t n = 16;

	while (n < 2 * g->nobjs)
		n *= 2;
	g->specslots = calloc(n, sizeof(*g->specslots));
	if (g->specslots == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	g->nspecslots = n;
	for (size_t o = 0; o < g->nobjs; o++) {
		const struct obj_spec *spec = &g->objs[o];
		if (kind_is_workload(spec->kind) || spec_find(g, spec->kind, spec->name) >= 0)
			continue;
		size_t i = hash3(spec->kind, "", spec->name) & (n - 1);
		while (g->specslots[i] != 0)
			i = (i + 1) & (n - 1);
		g->specslots[i] = o + 1;
	}
}

static struct nameslot *name_find(const struct graph *g, enum obj_kind kind, const char *name)
{
	size_t mask = g->nnameslots - 1;

	if (g->nnameslots == 0)
		return NULL;
	for (size_t i = hash3(kind, "", name) & mask; g->nameslots[i].first != 0; i = (i + 1) & mask) {
		const struct cfgobj *c = &g->cfg[g->nameslots[i].first - 1];
		if (c->kind == kind && strcmp(c->name, name) == 0)
			return &g->nameslots[i];
	}
	return NULL;
}

/* The ConfigMaps/Secrets of each name, whatever their namespace, chained in the order created. */
static void name_index(struct graph *g)
{
	size_t n = 16;

	while (n < 2 * g->ncfg)
		n *= 2;
	g->nameslots = calloc(n, sizeof(*g->nameslots));
	g->same_name = calloc(g->ncfg + 1, sizeof(*g->same_name));
	if (g->nameslots == NULL || g->same_name == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	g->nnameslots = n;
	for (size_t c = 0; c < g->ncfg; c++) {
		struct nameslot *slot = name_find(g, g->cfg[c].kind, g->cfg[c].name);
		if (slot != NULL) {
			g->same_name[slot->last - 1] = c + 1;
			slot->last = c + 1;
			continue;
		}
		size_t i = hash3(g->cfg[c].kind, "", g->cfg[c].name) & (n - 1);
		while (g->nameslots[i].first != 0)
			i = (i + 1) & (n - 1);
		g->nameslots[i].first = g->nameslots[i].last = c + 1;
	}
}

/* Does a target match anything? In constant time, whatever it matches. */
static int target_matches(const struct graph *g, const struct target_spec *ts)
{
	if (strchr(ts->name, '{'))
		return spec_find(g, ts->kind, ts->name) >= 0 && g->nns > 0;
	return name_find(g, ts->kind, ts->name) != NULL;
}

/* Every target of every update stream must match an object: one that matches none is a mistake. */
static int check_targets(const struct graph *g, const struct scenario *s)
{
	for (size_t u = 0; u < s->nupdates; u++) {
		for (size_t t = 0; t < s->updates[u].ntargets; t++) {
			const struct target_spec *ts = &s->updates[u].targets[t];
			if (!target_matches(g, ts))
				return errorf("%s:%d:%d: the update target %s '%s' matches no object the scenario creates",
					      s->file, ts->at.line, ts->at.col, kind_name(ts->kind), ts->name);
		}
	}
	return 0;
}

int graph_build(struct graph *g, const struct scenario *s)
{
	memset(g, 0, sizeof(*g));
	rehash(g);
	g->nns = s->nns;
	g->objs = s->objs;
	g->nobjs = s->nobjs;
	g->ns_existing = calloc(s->nns ? s->nns : 1, sizeof(*g->ns_existing));
	g->spec_first = calloc(s->nns * s->nobjs + 1, sizeof(*g->spec_first));
	if (g->ns_existing == NULL || g->spec_first == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	g->catch_up = s->restart_catch_up;
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			const struct obj_spec *spec = &s->objs[o];
			if (kind_is_workload(spec->kind))
				continue;
			*spec_first(g, o, ns) = g->ncfg;
			for (long i = 0; i < spec->count; i++) {
				char *name = name_at(s, spec->name_at, spec->kind, spec->name, i);
				if (name == NULL)
					return -1;
				if (graph_find_cfg(g, spec->kind, s->namespaces[ns], name) >= 0) {
					errorf("%s:%d:%d: %s '%s' is created twice", s->file, spec->name_at.line,
					       spec->name_at.col, kind_name(spec->kind), name);
					free(name);
					return -1;
				}
				if (g->ncfg == g->capcfg) {
					g->capcfg = g->capcfg ? g->capcfg * 2 : 64;
					g->cfg = xrealloc(g->cfg, g->capcfg * sizeof(*g->cfg));
				}
				struct cfgobj *c = &g->cfg[g->ncfg++];
				memset(c, 0, sizeof(*c));
				c->kind = spec->kind;
				c->ns = s->namespaces[ns];
				c->nsi = ns;
				c->name = name;
				c->spec = spec;
				c->idx = i;
				index_add(g, c->kind, c->ns, c->name, (long)g->ncfg);
			}
		}
	}
	g->linked = calloc(g->ncfg + 1, sizeof(*g->linked));
	if (g->linked == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			const struct obj_spec *spec = &s->objs[o];
			if (!kind_is_workload(spec->kind))
				continue;
			for (long i = 0; i < spec->count; i++) {
				char *name = name_at(s, spec->name_at, spec->kind, spec->name, i);
				if (name == NULL)
					return -1;
				long dup = graph_find_wl(g, spec->kind, s->namespaces[ns], name);
				if (dup >= 0) {
					errorf("%s:%d:%d: %s '%s' is created twice", s->file, spec->name_at.line,
					       spec->name_at.col, kind_name(spec->kind), name);
					free(name);
					return -1;
				}
				size_t w = new_workload(g, s, spec, ns, name, i);
				if (link_refs(g, s, w) < 0)
					return -1;
			}
		}
	}
	/* Churn workloads must reference existing objects too: check one now. */
	if (s->churn.set) {
		for (size_t r = 0; r < s->churn.workload.nrefs; r++) {
			const struct ref_spec *ref = &s->churn.workload.refs[r];
			char *name = name_at(s, ref->at, ref->kind, ref->name, 0);
			if (name == NULL)
				return -1;
			long c = graph_find_cfg(g, ref->kind, s->namespaces[0], name);
			if (c < 0) {
				errorf("%s:%d:%d: churn workloads reference %s '%s', which the scenario does not create",
				       s->file, ref->at.line, ref->at.col, kind_name(ref->kind), name);
				free(name);
				return -1;
			}
			free(name);
		}
	}
	spec_index(g);
	name_index(g);
	if (check_targets(g, s) < 0)
		return -1;
	/* workloads_scanned equals matched only when every workload of a namespace references the target. */
	g->scanned_exact = !s->churn.set;
	size_t *in_ns = calloc(s->nns ? s->nns : 1, sizeof(*in_ns));
	if (in_ns == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	for (size_t w = 0; w < g->nwl; w++)
		in_ns[g->wl[w].nsi]++;
	for (size_t c = 0; c < g->ncfg; c++)
		if (g->cfg[c].nusers != in_ns[g->cfg[c].nsi])
			g->scanned_exact = 0;
	free(in_ns);
	return 0;
}

long graph_add_workload(struct graph *g, const struct scenario *s, const struct obj_spec *spec, const char *ns,
			long idx)
{
	char *name = name_at(s, spec->name_at, spec->kind, spec->name, idx);

	if (name == NULL)
		return -1;
	size_t w = new_workload(g, s, spec, ns_index(s, ns), name, idx);

	g->wl[w].churn = 1;
	if (link_refs(g, s, w) < 0) {
		/* Kept (never created) so indices stay stable. */
		g->wl[w].exists = 0;
		return -1;
	}
	return (long)w;
}

void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->ncfg; i++) {
		free(g->cfg[i].name);
		free(g->cfg[i].users);
		free(g->cfg[i].ver);
	}
	for (size_t i = 0; i < g->nwl; i++) {
		free(g->wl[i].name);
		free(g->wl[i].refs);
		free(g->wl[i].rs);
		free(g->wl[i].pend);
		free(g->wl[i].out_at);
		free(g->wl[i].odd);
	}
	free(g->cfg);
	free(g->wl);
	free(g->lat);
	free(g->recs);
	free(g->slots);
	free(g->fps);
	free(g->seqver);
	free(g->ns_existing);
	free(g->linked);
	free(g->spec_first);
	free(g->specslots);
	free(g->nameslots);
	free(g->same_name);
	memset(g, 0, sizeof(*g));
}

static void push_target(size_t **list, size_t *n, size_t *cap, size_t c)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	(*list)[(*n)++] = c;
}

/*
 * The objects a target matches, in the order they were created: a pattern matches every
 * object of the spec written with the same pattern, a name the object of that name in
 * each namespace. Found through the indexes: linear in what it returns.
 */
size_t *graph_targets(const struct graph *g, const struct update_spec *u, size_t t, size_t *n)
{
	const struct target_spec *ts = &u->targets[t];
	size_t *list = NULL, cap = 0;

	*n = 0;
	if (strchr(ts->name, '{')) {
		long o = spec_find(g, ts->kind, ts->name);
		if (o < 0)
			return NULL;
		for (size_t ns = 0; ns < g->nns; ns++)
			for (long i = 0; i < g->objs[o].count; i++)
				push_target(&list, n, &cap, *spec_first(g, (size_t)o, ns) + (size_t)i);
	} else {
		const struct nameslot *slot = name_find(g, ts->kind, ts->name);
		for (size_t c = slot ? slot->first : 0; c != 0; c = g->same_name[c - 1])
			push_target(&list, n, &cap, c - 1);
	}
	return list;
}

/* ---- what the driver did ---- */

/* The version update seq wrote to object c; -1: none yet. */
static long seq_version(const struct graph *g, size_t c, unsigned long seq)
{
	size_t v;

	if (seq == 0 || seq >= g->nseqver || g->seqver[seq] == 0)
		return -1;
	v = g->seqver[seq] - 1;
	return v < g->cfg[c].nver && g->cfg[c].ver[v].seq == seq ? (long)v : -1;
}

static void seq_record(struct graph *g, unsigned long seq, size_t v)
{
	if (seq >= g->nseqver) {
		size_t n = g->nseqver ? g->nseqver : 1024;
		while (n <= seq)
			n *= 2;
		g->seqver = xrealloc(g->seqver, n * sizeof(*g->seqver));
		memset(g->seqver + g->nseqver, 0, (n - g->nseqver) * sizeof(*g->seqver));
		g->nseqver = n;
	}
	g->seqver[seq] = v + 1;
}

static size_t add_version(struct graph *g, size_t c, unsigned long seq, double sent, const unsigned char *fp,
			  double order)
{
	struct cfgobj *co = &g->cfg[c];
	long found = seq_version(g, c, seq);
	size_t v;

	/* A write retried after a conflict keeps its update's number and data: same version. */
	if (found >= 0) {
		v = (size_t)found;
	} else {
		if (co->nver == co->capver) {
			co->capver = co->capver ? co->capver * 2 : 16;
			co->ver = xrealloc(co->ver, co->capver * sizeof(*co->ver));
		}
		v = co->nver++;
		memset(&co->ver[v], 0, sizeof(co->ver[v]));
		co->ver[v].seq = seq;
		if (seq != 0)
			seq_record(g, seq, v);
		if (fp) {
			memcpy(co->ver[v].fp, fp, 20);
			co->ver[v].has_fp = 1;
			fp_add(g, c, v);
		}
	}
	co->ver[v].sent = sent;
	co->ver[v].order = order;
	co->ver[v].state = seq == 0 ? V_OK : V_INFLIGHT;
	return v;
}

void graph_cfg_created(struct graph *g, size_t c, const unsigned char *fp, double sent)
{
	add_version(g, c, 0, sent, fp, -1);
}

void graph_workload_created(struct graph *g, size_t w, double sent, double ack)
{
	struct workload *wl = &g->wl[w];

	if (!wl->exists) {
		g->ns_existing[wl->nsi]++;
		g->nexisting++;
		g->nready_existing += wl->ready;
	}
	wl->exists = 1;
	wl->created_sent = sent;
	wl->created_ack = ack;
}

void graph_deleted(struct graph *g, size_t w)
{
	struct workload *wl = &g->wl[w];

	if (wl->exists) {
		g->ns_existing[wl->nsi]--;
		g->nexisting--;
		g->nready_existing -= wl->ready;
	}
	wl->exists = 0;
	/* What it waited for stays: a roll the controller made before the deletion still answers it. */
	wl->deleted = 1;
}

void graph_update_begin(struct graph *g, size_t c, unsigned long seq, double sent, const unsigned char *fp,
			double order)
{
	struct cfgobj *co = &g->cfg[c];
	size_t v = add_version(g, c, seq, sent, fp, order);

	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		if (!w->exists)
			continue;
		if (w->npend == w->cappend) {
			w->cappend = w->cappend ? w->cappend * 2 : 8;
			w->pend = xrealloc(w->pend, w->cappend * sizeof(*w->pend));
		}
		/* Kept in the order sent: a retried write goes back to its place. */
		size_t i = w->npend++;
		while (i > 0 && w->pend[i - 1].sent > sent) {
			w->pend[i] = w->pend[i - 1];
			i--;
		}
		w->pend[i] = (struct pending){ seq, c, v, sent, w->nout, 0 };
	}
}

void graph_update_failed(struct graph *g, size_t c, unsigned long seq)
{
	struct cfgobj *co = &g->cfg[c];
	long v = seq_version(g, c, seq);

	if (v >= 0)
		co->ver[v].state = V_FAILED;
	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		/* One entry per update and workload, recent: searched from the end. */
		for (size_t i = w->npend; i-- > 0;)
			if (w->pend[i].seq == seq) {
				memmove(w->pend + i, w->pend + i + 1, (w->npend - i - 1) * sizeof(*w->pend));
				w->npend--;
				break;
			}
	}
}

void graph_update_ok(struct graph *g, size_t c, int data_changed, unsigned long seq, double sent, double done)
{
	struct cfgobj *co = &g->cfg[c];

	(void)sent;
	g->updates_ok++;
	if (!data_changed) {
		g->skipped_expected++;
		return;
	}
	co->changes++;
	co->last_change_done = done;
	long v = seq_version(g, c, seq);
	if (v >= 0)
		co->ver[v].state = V_OK;
	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		/* Its entry is recent: search from the end. */
		for (size_t i = w->npend; i-- > 0;)
			if (w->pend[i].seq == seq) {
				w->pend[i].acked = 1;
				break;
			}
		if (w->exists)
			w->expected++;
	}
	/* Workloads in the namespace, whether or not they reference it. */
	g->scanned_expected += g->ns_existing[co->nsi];
}

void graph_restart_begin(struct graph *g, double at)
{
	g->restarted = 1;
	g->restart_at = at;
	/* An update the old controller had not answered yet when it was stopped is lost too. */
	g->down_from = at - g->lat_max;
	g->down_to = 0;
}

void graph_restart_end(struct graph *g, double done)
{
	g->down_to = done;
}

/* ---- what the observer saw ---- */

static void push_lat(struct graph *g, double v)
{
	if (g->nlat == g->caplat) {
		g->caplat = g->caplat ? g->caplat * 2 : 256;
		g->lat = xrealloc(g->lat, g->caplat * sizeof(*g->lat));
	}
	g->lat[g->nlat++] = v;
}

static void push_rec(struct graph *g, const struct workload *w, const struct pending *p, double now)
{
	if (g->nrecs == g->caprecs) {
		g->caprecs = g->caprecs ? g->caprecs * 2 : 256;
		g->recs = xrealloc(g->recs, g->caprecs * sizeof(*g->recs));
	}
	g->recs[g->nrecs++] = (struct roll_rec){ p->seq, (size_t)(w - g->wl), p->sent, now };
}

/* The roll answers entry i of w: its own roll. */
static void claim(struct graph *g, struct workload *w, size_t i, double now)
{
	double lat = now - w->pend[i].sent;

	w->own++;
	push_lat(g, lat);
	push_rec(g, w, &w->pend[i], now);
	if (lat > g->lat_max)
		g->lat_max = lat;
	memmove(w->pend + i, w->pend + i + 1, (w->npend - i - 1) * sizeof(*w->pend));
	w->npend--;
}

static void add_odd(struct workload *w, double at, long c, long v, int kind)
{
	if (w->nodd == w->capodd) {
		w->capodd = w->capodd ? w->capodd * 2 : 4;
		w->odd = xrealloc(w->odd, w->capodd * sizeof(*w->odd));
	}
	w->odd[w->nodd++] = (struct odd_roll){ at, c, v, kind };
}

/*
 * A roll of w. Which update did the controller roll it for? When the template records a
 * version the driver wrote (Reloader's fingerprint), exactly that one; otherwise the
 * oldest one waiting (a controller that falls behind works through its updates in order).
 * A roll that answers none is kept for the end, when it is judged allowed or spurious.
 */
static void roll(struct graph *g, struct workload *w, const char *text, double now)
{
	unsigned char fps[16][20];
	size_t n = text ? fingerprint_scan(text, fps, 16) : 0;
	int recognised = 0, advanced = 0, claimed = 0;
	long any_c = -1, any_v = -1, new_c = -1, new_v = -1;

	w->rolls++;
	w->last_roll = now;
	for (size_t f = 0; f < n; f++) {
		size_t c = 0, v = 0, k = 0;
		if (!fp_find(g, fps[f], w, &c, &v, &k))
			continue;
		const struct version *ver = &g->cfg[c].ver[v];
		struct refstate *rs = &w->rs[k];
		recognised = 1;
		any_c = (long)c;
		any_v = (long)v;
		if (!rs->seen || ver->order > rs->best) {
			advanced = 1;
			rs->best = ver->order;
			size_t i;
			for (i = 0; i < w->npend && !(w->pend[i].cfg == c && w->pend[i].ver == v); i++)
				;
			if (i < w->npend) {
				claim(g, w, i, now);
				claimed = 1;
			} else {
				new_c = (long)c;
				new_v = (long)v;
			}
		}
		rs->now = ver->order;
		rs->seen = 1;
	}
	if (recognised)
		w->recognised++;
	if (claimed)
		return;
	if (!recognised) {
		if (w->npend > 0)
			claim(g, w, 0, now);
		else
			add_odd(w, now, -1, -1, ODD_UNKNOWN);
	} else if (advanced) {
		add_odd(w, now, new_c, new_v, ODD_NOT_OWED);
	} else {
		add_odd(w, now, any_c, any_v, ODD_NOTHING_NEW);
	}
}

void graph_observe(struct graph *g, size_t wi, uint64_t tmpl, const char *tmpl_text, int paused, int ready,
		   int has_annotation, double now)
{
	struct workload *w = &g->wl[wi];

	w->seen = 1;
	if (w->exists)
		g->nready_existing += (ready != 0) - w->ready;
	w->ready = ready != 0;
	w->paused = paused;
	/* The first sight is the template as created; only the controller changes it later. */
	if (!w->have_tmpl) {
		w->have_tmpl = 1;
		w->tmpl = tmpl;
		w->have_shown = 1;
		w->shown = tmpl;
		return;
	}
	if (w->tmpl != tmpl) {
		w->tmpl = tmpl;
		roll(g, w, tmpl_text, now);
	}
	/* A paused deployment keeps its pods: its new template is rolled out when it resumes. */
	if (!paused && w->shown != tmpl) {
		w->shown = tmpl;
		if (w->nout == w->capout) {
			w->capout = w->capout ? w->capout * 2 : 8;
			w->out_at = xrealloc(w->out_at, w->capout * sizeof(*w->out_at));
		}
		w->out_at[w->nout++] = now;
	}
	if (w->rolls > 0)
		w->annotation_ok = has_annotation;
}

/* ---- the verdict, once the observer stopped ---- */

static int in_down(const struct graph *g, double sent)
{
	return g->restarted && sent >= g->down_from && (g->down_to <= 0 || sent <= g->down_to);
}

/*
 * May the controller roll w, which owed nothing, to version v of cfg c? Yes when v's write
 * was sent before w's creation was acknowledged but so recently that the controller (as
 * slow as its slowest roll in this run) may have listed the workloads after w was created;
 * and, when the controller re-examines everything (catch-up), to the object as created.
 */
static int not_owed_ok(const struct graph *g, const struct workload *w, const struct version *v)
{
	if (v->seq == 0)
		return g->catch_up;
	double upto = w->created_ack >= 0 ? w->created_ack : INFINITY;
	return w->created_sent >= 0 && v->sent >= w->created_sent - g->lat_max && v->sent < upto;
}

/* Changes w did not owe that the controller may still have been answering when w was created. */
static long creation_budget(const struct graph *g, const struct workload *w)
{
	long n = 0;

	if (w->created_sent < 0)
		return 0;
	for (size_t k = 0; k < w->nrefs; k++) {
		const struct cfgobj *c = &g->cfg[w->refs[k]];
		for (size_t v = 0; v < c->nver; v++)
			if (c->ver[v].seq != 0 && c->ver[v].state != V_FAILED && not_owed_ok(g, w, &c->ver[v]))
				n++;
	}
	return n;
}

/*
 * Judge w's rolls that answered no update, in order: allowed[i] set for each. A roll that
 * recorded nothing new is spurious. After a restart the controller must catch up on, one
 * roll per workload is allowed; otherwise a roll is allowed within the creation rule.
 */
static void judge_odd(const struct graph *g, const struct workload *w, unsigned char *allowed)
{
	int restart_left = g->catch_up && g->restarted;
	long budget = -1;

	for (size_t i = 0; i < w->nodd; i++) {
		const struct odd_roll *o = &w->odd[i];
		allowed[i] = 0;
		if (o->kind == ODD_NOTHING_NEW)
			continue;
		if (restart_left && o->at >= g->restart_at) {
			allowed[i] = 1;
			restart_left = 0;
		} else if (o->kind == ODD_NOT_OWED) {
			allowed[i] = (unsigned char)not_owed_ok(g, w, &g->cfg[o->cfg].ver[o->ver]);
		} else {
			if (budget < 0)
				budget = creation_budget(g, w);
			if (budget > 0) {
				allowed[i] = 1;
				budget--;
			}
		}
	}
}

enum { ST_CONVERGED, ST_LOST, ST_BEHIND, ST_UNCONVERGED };

/* Sort w's updates still without their own roll into folded, lost, behind and missed. */
static int leftovers(const struct graph *g, const struct workload *w, struct observed *o)
{
	long missed = 0, lost = 0, behind = 0;

	for (size_t i = 0; i < w->npend; i++) {
		const struct pending *e = &w->pend[i];
		if (!e->acked)
			continue;
		/* A later rollout restarted the pods, which read the data as it then was. */
		if (e->out_before < w->nout) {
			o->folded++;
			continue;
		}
		if (!w->exists)
			continue;	/* deleted before any roll: no longer owed */
		if (in_down(g, e->sent)) {
			o->lost_while_down++;
			if (!g->catch_up) {
				lost++;
				continue;
			}
		}
		if (g->unsettled)
			behind++;
		else
			missed++;
	}
	o->missed += missed;
	o->behind += behind;
	return missed ? ST_UNCONVERGED : behind ? ST_BEHIND : lost ? ST_LOST : ST_CONVERGED;
}

/*
 * Does w's template record an older version of an object than the latest written? Then
 * the controller has not finished with it (Reloader will roll it again).
 */
static int stale_template(const struct workload *w, const double *latest)
{
	for (size_t k = 0; k < w->nrefs; k++)
		if (w->rs[k].seen && w->rs[k].now < latest[w->refs[k]])
			return 1;
	return 0;
}

void graph_summary(const struct graph *g, struct observed *o)
{
	double *latest = xrealloc(NULL, (g->ncfg + 1) * sizeof(*latest));

	memset(o, 0, sizeof(*o));
	o->converged = 1;
	for (size_t c = 0; c < g->ncfg; c++) {
		latest[c] = -1;
		for (size_t v = 0; v < g->cfg[c].nver; v++)
			if (g->cfg[c].ver[v].state == V_OK && g->cfg[c].ver[v].order > latest[c])
				latest[c] = g->cfg[c].ver[v].order;
	}
	for (size_t i = 0; i < g->nwl; i++) {
		const struct workload *w = &g->wl[i];
		long allowed = 0;
		o->rolls += w->rolls;
		o->rollouts += (long)w->nout;
		o->expected += w->expected;
		o->own += w->own;
		o->recognised += w->recognised;
		if (w->nodd) {
			unsigned char *ok = xrealloc(NULL, w->nodd);
			judge_odd(g, w, ok);
			for (size_t k = 0; k < w->nodd; k++)
				allowed += ok[k];
			free(ok);
		}
		o->allowed += allowed;
		o->spurious += (long)w->nodd - allowed;
		if (w->expected > 0 && w->rolls - allowed > w->expected)
			o->duplicate += w->rolls - allowed - w->expected;
		if (w->rolls > 0 && !w->annotation_ok)
			o->annotation_missing++;
		int st = leftovers(g, w, o);
		if (!w->exists)
			continue;
		o->workloads++;
		/* Its pods still run the data from before the pause: not converged until it resumes. */
		if (w->paused && w->shown != w->tmpl) {
			o->waiting_resume++;
			if (st == ST_CONVERGED || st == ST_LOST)
				st = ST_BEHIND;
		}
		o->stale_templates += stale_template(w, latest);
		switch (st) {
		case ST_CONVERGED: o->converged_workloads++; break;
		case ST_LOST: o->lost_workloads++; break;
		case ST_BEHIND: o->behind_workloads++; o->converged = 0; break;
		default: o->converged = 0; break;
		}
	}
	free(latest);
}

size_t graph_unconverged(const struct graph *g, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nwl && n < max; i++) {
		struct observed o;
		memset(&o, 0, sizeof(o));
		if (g->wl[i].exists && leftovers(g, &g->wl[i], &o) == ST_UNCONVERGED)
			names[n++] = g->wl[i].name;
	}
	return n;
}

/*
 * Latency of an update: to its own roll, measured when the roll was seen; for an update
 * folded into a later roll, to the first rollout after it was sent (the pods it restarted
 * read its data). Missed, lost and pending updates have none.
 */
double *graph_latencies(const struct graph *g, size_t *n)
{
	double *v = xrealloc(NULL, (g->nlat + 1) * sizeof(*v));
	size_t cap = g->nlat + 1;

	if (g->nlat)
		memcpy(v, g->lat, g->nlat * sizeof(*v));
	*n = g->nlat;
	for (size_t i = 0; i < g->nwl; i++) {
		const struct workload *w = &g->wl[i];
		for (size_t k = 0; k < w->npend; k++) {
			const struct pending *e = &w->pend[k];
			if (!e->acked || e->out_before >= w->nout)
				continue;
			if (*n == cap) {
				cap *= 2;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[(*n)++] = w->out_at[e->out_before] - e->sent;
		}
	}
	return v;
}

size_t graph_roll_notes(const struct graph *g, int allowed, struct roll_note *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nwl && n < max; i++) {
		const struct workload *w = &g->wl[i];
		if (w->nodd == 0)
			continue;
		unsigned char *ok = xrealloc(NULL, w->nodd);
		judge_odd(g, w, ok);
		for (size_t k = 0; k < w->nodd && n < max; k++)
			if (!!ok[k] == !!allowed)
				out[n++] = (struct roll_note){ i, w->odd[k].at, ok[k], w->odd[k].cfg, w->odd[k].ver,
							       w->odd[k].kind };
		free(ok);
	}
	return n;
}
