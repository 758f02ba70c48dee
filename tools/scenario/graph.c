/* The reference graph and the observer's bookkeeping on it. */
#include "graph.h"
#include "msg.h"

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

static char *expand(const char *pat, long i)
{
	const char *err = NULL;
	char *s = pattern_expand(pat, i, &err);

	if (s == NULL)
		dief(EXIT_TROUBLE, "bad name pattern '%s': %s", pat, err);
	return s;
}

/* Resolve a workload's references; -1 when one names an object the scenario does not create. */
static int link_refs(struct graph *g, const struct scenario *s, size_t w)
{
	struct workload *wl = &g->wl[w];

	for (size_t r = 0; r < wl->spec->nrefs; r++) {
		const struct ref_spec *ref = &wl->spec->refs[r];
		char *name = expand(ref->name, wl->idx);
		long c = graph_find_cfg(g, ref->kind, wl->ns, name);
		if (c < 0) {
			errorf("%s: %s '%s' references %s '%s', which the scenario does not create in %s",
			       s->file, kind_name(wl->kind), wl->name, kind_name(ref->kind), name, wl->ns);
			free(name);
			return -1;
		}
		free(name);
		int dup = 0;
		for (size_t k = 0; k < wl->nrefs; k++)
			dup |= wl->refs[k] == (size_t)c;
		if (dup)
			continue;
		wl->refs = xrealloc(wl->refs, (wl->nrefs + 1) * sizeof(*wl->refs));
		wl->refs[wl->nrefs++] = (size_t)c;
		struct cfgobj *co = &g->cfg[c];
		co->users = xrealloc(co->users, (co->nusers + 1) * sizeof(*co->users));
		co->users[co->nusers++] = w;
	}
	return 0;
}

static size_t new_workload(struct graph *g, const struct obj_spec *spec, const char *ns, long idx)
{
	if (g->nwl == g->capwl) {
		g->capwl = g->capwl ? g->capwl * 2 : 64;
		g->wl = xrealloc(g->wl, g->capwl * sizeof(*g->wl));
	}
	struct workload *w = &g->wl[g->nwl];
	memset(w, 0, sizeof(*w));
	w->kind = spec->kind;
	w->ns = ns;
	w->name = expand(spec->name, idx);
	w->spec = spec;
	w->idx = idx;
	w->last_roll = -1;
	g->nwl++;
	index_add(g, w->kind, w->ns, w->name, -(long)g->nwl);
	return g->nwl - 1;
}

int graph_build(struct graph *g, const struct scenario *s)
{
	memset(g, 0, sizeof(*g));
	rehash(g);
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			const struct obj_spec *spec = &s->objs[o];
			if (kind_is_workload(spec->kind))
				continue;
			for (long i = 0; i < spec->count; i++) {
				char *name = expand(spec->name, i);
				if (graph_find_cfg(g, spec->kind, s->namespaces[ns], name) >= 0) {
					errorf("%s: %s '%s' is created twice", s->file, kind_name(spec->kind), name);
					free(name);
					return -1;
				}
				g->cfg = xrealloc(g->cfg, (g->ncfg + 1) * sizeof(*g->cfg));
				struct cfgobj *c = &g->cfg[g->ncfg++];
				memset(c, 0, sizeof(*c));
				c->kind = spec->kind;
				c->ns = s->namespaces[ns];
				c->name = name;
				c->spec = spec;
				c->idx = i;
				index_add(g, c->kind, c->ns, c->name, (long)g->ncfg);
			}
		}
	}
	for (size_t ns = 0; ns < s->nns; ns++) {
		for (size_t o = 0; o < s->nobjs; o++) {
			const struct obj_spec *spec = &s->objs[o];
			if (!kind_is_workload(spec->kind))
				continue;
			for (long i = 0; i < spec->count; i++) {
				char *name = expand(spec->name, i);
				long dup = graph_find_wl(g, spec->kind, s->namespaces[ns], name);
				free(name);
				if (dup >= 0) {
					errorf("%s: %s '%s' is created twice", s->file, kind_name(spec->kind),
					       g->wl[dup].name);
					return -1;
				}
				size_t w = new_workload(g, spec, s->namespaces[ns], i);
				if (link_refs(g, s, w) < 0)
					return -1;
			}
		}
	}
	/* Churn workloads must reference existing objects too: check one now. */
	if (s->churn.set) {
		for (size_t r = 0; r < s->churn.workload.nrefs; r++) {
			char *name = expand(s->churn.workload.refs[r].name, 0);
			long c = graph_find_cfg(g, s->churn.workload.refs[r].kind, s->namespaces[0], name);
			if (c < 0) {
				errorf("%s: churn workloads reference %s '%s', which the scenario does not create",
				       s->file, kind_name(s->churn.workload.refs[r].kind), name);
				free(name);
				return -1;
			}
			free(name);
		}
	}
	/* workloads_scanned equals matched only when every workload of a namespace references the target. */
	g->scanned_exact = !s->churn.set;
	for (size_t c = 0; c < g->ncfg; c++) {
		size_t in_ns = 0;
		for (size_t w = 0; w < g->nwl; w++)
			in_ns += strcmp(g->wl[w].ns, g->cfg[c].ns) == 0;
		if (g->cfg[c].nusers != in_ns)
			g->scanned_exact = 0;
	}
	return 0;
}

long graph_add_workload(struct graph *g, const struct scenario *s, const struct obj_spec *spec, const char *ns,
			long idx)
{
	size_t w = new_workload(g, spec, ns, idx);

	g->wl[w].churn = 1;
	if (link_refs(g, s, w) < 0) {
		/* Kept (deleted) so indices stay stable; it is never created. */
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
	}
	for (size_t i = 0; i < g->nwl; i++) {
		free(g->wl[i].name);
		free(g->wl[i].refs);
		free(g->wl[i].pend);
	}
	free(g->cfg);
	free(g->wl);
	free(g->lat);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

/* Does the expanded name `name` (index idx of spec) match a target pattern? */
size_t *graph_targets(const struct graph *g, const struct update_spec *u, size_t t, size_t *n)
{
	const struct target_spec *ts = &u->targets[t];
	size_t *list = NULL;

	*n = 0;
	for (size_t c = 0; c < g->ncfg; c++) {
		const struct cfgobj *co = &g->cfg[c];
		int match;
		if (co->kind != ts->kind)
			continue;
		if (strchr(ts->name, '{'))
			match = strcmp(co->spec->name, ts->name) == 0;
		else
			match = strcmp(co->name, ts->name) == 0;
		if (!match)
			continue;
		list = xrealloc(list, (*n + 1) * sizeof(*list));
		list[(*n)++] = c;
	}
	return list;
}

void graph_update_begin(struct graph *g, size_t c, unsigned long seq, double sent)
{
	struct cfgobj *co = &g->cfg[c];

	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		if (!w->exists)
			continue;
		if (w->npend == w->cappend) {
			w->cappend = w->cappend ? w->cappend * 2 : 8;
			w->pend = xrealloc(w->pend, w->cappend * sizeof(*w->pend));
		}
		w->pend[w->npend].sent = sent;
		w->pend[w->npend++].seq = seq;
	}
}

void graph_update_failed(struct graph *g, size_t c, unsigned long seq)
{
	struct cfgobj *co = &g->cfg[c];

	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		size_t j = 0;
		for (size_t i = 0; i < w->npend; i++)
			if (w->pend[i].seq != seq)
				w->pend[j++] = w->pend[i];
		w->npend = j;
	}
}

void graph_update_ok(struct graph *g, size_t c, int data_changed, double sent, double done)
{
	struct cfgobj *co = &g->cfg[c];

	g->updates_ok++;
	if (!data_changed) {
		g->skipped_expected++;
		return;
	}
	co->changes++;
	co->last_change_done = done;
	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		if (!w->exists)
			continue;
		w->expected++;
		if (sent > w->need_roll_since)
			w->need_roll_since = sent;
	}
	/* Workloads in the namespace, whether or not they reference it. */
	for (size_t w = 0; w < g->nwl; w++)
		if (g->wl[w].exists && strcmp(g->wl[w].ns, co->ns) == 0)
			g->scanned_expected++;
}

void graph_observe(struct graph *g, size_t wi, uint64_t tmpl, int ready, int has_annotation, double now)
{
	struct workload *w = &g->wl[wi];

	w->seen = 1;
	w->ready = ready;
	/* The first sight is the template as created; only the controller changes it later. */
	if (!w->have_tmpl || w->tmpl == tmpl) {
		w->have_tmpl = 1;
		w->tmpl = tmpl;
		if (w->rolls > 0)
			w->annotation_ok = has_annotation;
		return;
	}
	w->tmpl = tmpl;
	w->rolls++;
	w->last_roll = now;
	w->annotation_ok = has_annotation;
	if (w->npend == 0) {
		/* Nothing it references changed since its last roll. */
		w->spurious++;
		return;
	}
	/* One roll per update, oldest first. */
	w->matched++;
	if (g->nlat == g->caplat) {
		g->caplat = g->caplat ? g->caplat * 2 : 256;
		g->lat = xrealloc(g->lat, g->caplat * sizeof(*g->lat));
	}
	g->lat[g->nlat++] = now - w->pend[0].sent;
	memmove(w->pend, w->pend + 1, (w->npend - 1) * sizeof(*w->pend));
	w->npend--;
}

void graph_deleted(struct graph *g, size_t w)
{
	g->wl[w].exists = 0;
	g->wl[w].npend = 0;
}

/*
 * Rolled after the latest change it depends on was sent. (A workload created after the
 * last change started with the new data and owes no roll.)
 */
static int workload_converged(const struct graph *g, const struct workload *w)
{
	(void)g;
	return w->need_roll_since == 0 || w->last_roll >= w->need_roll_since;
}

void graph_summary(const struct graph *g, struct observed *o)
{
	memset(o, 0, sizeof(*o));
	o->converged = 1;
	for (size_t i = 0; i < g->nwl; i++) {
		const struct workload *w = &g->wl[i];
		o->rolls += w->rolls;
		o->expected += w->expected;
		o->spurious += w->spurious;
		if (w->rolls < w->expected)
			o->missed += w->expected - w->rolls;
		if (w->expected > 0 && w->rolls > w->expected)
			o->duplicate += w->rolls - w->expected;
		if (w->rolls > 0 && !w->annotation_ok)
			o->annotation_missing++;
		if (!w->exists)
			continue;
		o->workloads++;
		if (workload_converged(g, w))
			o->converged_workloads++;
		else
			o->converged = 0;
	}
}

size_t graph_unconverged(const struct graph *g, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < g->nwl && n < max; i++)
		if (g->wl[i].exists && !workload_converged(g, &g->wl[i]))
			names[n++] = g->wl[i].name;
	return n;
}
