/*
 * The verdict on a run, once the observer stopped: each workload converged, behind, lost or
 * missed; rolls nobody owed judged allowed or spurious; the latencies of the updates.
 */
#include "graph.h"
#include "wrapper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
