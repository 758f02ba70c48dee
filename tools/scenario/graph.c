/*
 * The reference graph: the scenario's objects and workloads, which workload references
 * which object, and the indexes that find them by name. What happens to it during a run is
 * graph_track.c's; the verdict on it graph_verdict.c's.
 */
#include "graph.h"
#include "msg.h"
#include "wrapper.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- finding objects and workloads by kind, namespace and name ---- */

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
	g->slots = xcalloc(n, sizeof(*g->slots));
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
	g->specslots = xcalloc(n, sizeof(*g->specslots));
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
	g->nameslots = xcalloc(n, sizeof(*g->nameslots));
	g->same_name = xcalloc(g->ncfg + 1, sizeof(*g->same_name));
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

/* The ConfigMap or Secret i of spec o in namespace ns; -1 (printed) for a bad or repeated name. */
static int add_cfg(struct graph *g, const struct scenario *s, size_t o, size_t ns, long i)
{
	const struct obj_spec *spec = &s->objs[o];
	char *name = name_at(s, spec->name_at, spec->kind, spec->name, i);

	if (name == NULL)
		return -1;
	if (graph_find_cfg(g, spec->kind, s->namespaces[ns], name) >= 0) {
		errorf("%s:%d:%d: %s '%s' is created twice", s->file, spec->name_at.line, spec->name_at.col,
		       kind_name(spec->kind), name);
		free(name);
		return -1;
	}
	if (g->ncfg == g->capcfg) {
		g->capcfg = g->capcfg ? g->capcfg * 2 : 64;
		g->cfg = xrealloc(g->cfg, g->capcfg * sizeof(*g->cfg));
	}
	g->cfg[g->ncfg++] = (struct cfgobj){
		.kind = spec->kind, .ns = s->namespaces[ns], .nsi = ns, .name = name, .spec = spec, .idx = i,
	};
	index_add(g, spec->kind, s->namespaces[ns], name, (long)g->ncfg);
	return 0;
}

/* Every ConfigMap and Secret of the scenario, namespace by namespace, spec by spec. */
static int add_cfgs(struct graph *g, const struct scenario *s)
{
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			if (kind_is_workload(s->objs[o].kind))
				continue;
			*spec_first(g, o, ns) = g->ncfg;
			for (long i = 0; i < s->objs[o].count; i++)
				if (add_cfg(g, s, o, ns, i) < 0)
					return -1;
		}
	}
	return 0;
}

/* Every workload of the scenario, its references resolved (the objects exist by now). */
static int add_workloads(struct graph *g, const struct scenario *s)
{
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			const struct obj_spec *spec = &s->objs[o];
			if (!kind_is_workload(spec->kind))
				continue;
			for (long i = 0; i < spec->count; i++) {
				char *name = name_at(s, spec->name_at, spec->kind, spec->name, i);
				if (name == NULL)
					return -1;
				if (graph_find_wl(g, spec->kind, s->namespaces[ns], name) >= 0) {
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
	return 0;
}

/* Churn workloads must reference existing objects too: check one now. */
static int check_churn_refs(const struct graph *g, const struct scenario *s)
{
	for (size_t r = 0; s->churn.set && r < s->churn.workload.nrefs; r++) {
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
	return 0;
}

/* workloads_scanned equals matched only when every workload of a namespace references the target. */
static int scanned_exact(const struct graph *g, const struct scenario *s)
{
	size_t *in_ns = xcalloc(s->nns, sizeof(*in_ns));
	int exact = !s->churn.set;

	for (size_t w = 0; w < g->nwl; w++)
		in_ns[g->wl[w].nsi]++;
	for (size_t c = 0; c < g->ncfg; c++)
		if (g->cfg[c].nusers != in_ns[g->cfg[c].nsi])
			exact = 0;
	free(in_ns);
	return exact;
}

int graph_build(struct graph *g, const struct scenario *s)
{
	memset(g, 0, sizeof(*g));
	rehash(g);
	g->nns = s->nns;
	g->objs = s->objs;
	g->nobjs = s->nobjs;
	g->ns_existing = xcalloc(s->nns, sizeof(*g->ns_existing));
	g->spec_first = xcalloc(s->nns * s->nobjs + 1, sizeof(*g->spec_first));
	g->catch_up = s->restart_catch_up;
	if (add_cfgs(g, s) < 0)
		return -1;
	g->linked = xcalloc(g->ncfg + 1, sizeof(*g->linked));
	if (add_workloads(g, s) < 0 || check_churn_refs(g, s) < 0)
		return -1;
	spec_index(g);
	name_index(g);
	if (check_targets(g, s) < 0)
		return -1;
	g->scanned_exact = scanned_exact(g, s);
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
