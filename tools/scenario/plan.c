/*
 * scenario --plan: what a run of a scenario would create and send, and the counts its
 * expected.json would hold if every intended update succeeded, worked out without a
 * cluster by the same graph and schedule a run uses (ticks taken in time order).
 */
#include "driver.h"
#include "schedule.h"
#include "msg.h"
#include "wrapper.h"

#include <math.h>
#include <stdlib.h>

/* Beyond this many updates the plan gives the count intended but works out no expectation. */
#define PLAN_MAX_UPDATES 10000000L

/*
 * Every tick of the schedule in time order (writers in their order at equal times), as a
 * run sends them, recorded in the graph as succeeded; the rolls the workloads then owe.
 */
static long plan_rolls(struct schedule *sc, struct graph *g, double phase)
{
	unsigned long seq = 0;
	long expected = 0;

	for (;;) {
		struct writer *w = NULL;
		for (size_t i = 0; i < sc->n; i++)
			if (sc->w[i].next < phase && (w == NULL || sc->w[i].next < w->next))
				w = &sc->w[i];
		if (w == NULL)
			break;
		long c = schedule_pick(sc, w);
		if (c >= 0) {
			seq++;
			graph_update_ok(g, (size_t)c, w->u->change != CH_NOOP, seq, w->next, w->next);
		}
		schedule_advance(w);
	}
	for (size_t w = 0; w < g->nwl; w++)
		expected += g->wl[w].expected;
	return expected;
}

int scenario_plan(const struct scenario *s, double duration, unsigned long seed, jv *out)
{
	struct graph g;
	struct schedule sc;
	double phase = scenario_phase(s, duration);
	long kinds[K_NKINDS] = { 0 }, refs = 0, *per_stream;
	int restart_stream = 0;

	if (graph_build(&g, s) < 0) {
		graph_free(&g);
		return -1;
	}
	for (size_t c = 0; c < g.ncfg; c++) {
		kinds[g.cfg[c].kind]++;
		graph_cfg_created(&g, c, NULL, 0);
	}
	for (size_t w = 0; w < g.nwl; w++) {
		kinds[g.wl[w].kind]++;
		refs += (long)g.wl[w].nrefs;
		graph_workload_created(&g, w, 0, 0);
	}
	schedule_init(&sc, s, &g, seed, 0, phase);
	per_stream = xcalloc(s->nupdates + 1, sizeof(*per_stream));
	for (size_t i = 0; i < sc.n; i++) {
		const struct update_spec *u = sc.w[i].u;
		restart_stream |= u->during_restart;
		if (!u->during_restart)
			per_stream[u - s->updates] += schedule_ticks_before(&sc.w[i], phase);
	}

	jv o = jv_object_set(jv_object(), jv_string("scenario"), jv_string(s->id));
	o = scenario_edits_json(s, o);
	o = jv_object_set(o, jv_string("seed"), jv_number((double)seed));
	o = jv_object_set(o, jv_string("duration_seconds"), jv_number(duration));
	o = jv_object_set(o, jv_string("update_phase_seconds"), jv_number(phase));
	o = jv_object_set(o, jv_string("namespaces"), jv_number((double)s->nns));
	jv objs = jv_object();
	for (int k = 0; k < K_NKINDS; k++)
		objs = jv_object_set(objs, jv_string(kind_name((enum obj_kind)k)), jv_number((double)kinds[k]));
	o = jv_object_set(o, jv_string("objects"), objs);
	o = jv_object_set(o, jv_string("workloads"), jv_number((double)g.nwl));
	o = jv_object_set(o, jv_string("references"), jv_number((double)refs));
	jv streams = jv_array();
	for (size_t i = 0; i < s->nupdates; i++) {
		const struct update_spec *u = &s->updates[i];
		jv st = jv_object_set(jv_object(), jv_string("every_seconds"), jv_number(u->every));
		st = jv_object_set(st, jv_string("writers"), jv_number((double)u->writers));
		st = jv_object_set(st, jv_string("rate_per_second"), jv_number((double)u->writers / u->every));
		/* Sent only while the controller restarts: how many depends on how long it takes. */
		if (!u->during_restart)
			st = jv_object_set(st, jv_string("intended"), jv_number((double)per_stream[i]));
		streams = jv_array_append(streams, st);
	}
	jv upd = jv_object_set(jv_object(), jv_string("intended"), jv_number((double)sc.intended));
	upd = jv_object_set(upd, jv_string("streams"), streams);
	o = jv_object_set(o, jv_string("updates"), upd);

	if (s->exact && !restart_stream && !s->churn.set && sc.intended <= PLAN_MAX_UPDATES)
		o = jv_object_set(o, jv_string("expected"), scenario_expected_json(s, &g, plan_rolls(&sc, &g, phase)));
	free(per_stream);
	schedule_free(&sc);
	graph_free(&g);
	*out = o;
	return 0;
}
