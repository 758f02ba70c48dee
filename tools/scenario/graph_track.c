/*
 * The graph during a run: what the driver did (objects created, updates written, each a
 * version of its object, owed to the workloads that reference it) and what the observer
 * saw (each roll matched to the update it answers, by the version its template records).
 */
#include "graph.h"
#include "fingerprint.h"
#include "wrapper.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
		g->fps = xcalloc(n, sizeof(*g->fps));
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

/* w's entry for update seq; -1: none. One entry per update and workload, and a recent one:
   searched from the end. */
static long pend_find(const struct workload *w, unsigned long seq)
{
	for (size_t i = w->npend; i-- > 0;)
		if (w->pend[i].seq == seq)
			return (long)i;
	return -1;
}

/* The version update seq wrote to object c, if any, is now in state. */
static void version_state(struct graph *g, size_t c, unsigned long seq, int state)
{
	long v = seq_version(g, c, seq);

	if (v >= 0)
		g->cfg[c].ver[v].state = state;
}

void graph_update_failed(struct graph *g, size_t c, unsigned long seq)
{
	struct cfgobj *co = &g->cfg[c];

	version_state(g, c, seq, V_FAILED);
	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		long i = pend_find(w, seq);
		if (i >= 0) {
			memmove(w->pend + i, w->pend + i + 1, (w->npend - (size_t)i - 1) * sizeof(*w->pend));
			w->npend--;
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
	version_state(g, c, seq, V_OK);
	for (size_t k = 0; k < co->nusers; k++) {
		struct workload *w = &g->wl[co->users[k]];
		long i = pend_find(w, seq);
		if (i >= 0)
			w->pend[i].acked = 1;
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
