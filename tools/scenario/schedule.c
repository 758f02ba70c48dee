/* The update schedule: writers on open-loop clocks, and their choice of target. */
#include "schedule.h"
#include "msg.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rnd(struct schedule *sc)
{
	sc->rng ^= sc->rng >> 12;
	sc->rng ^= sc->rng << 25;
	sc->rng ^= sc->rng >> 27;
	return sc->rng * 2685821657736338717ULL;
}

static size_t rnd_below(struct schedule *sc, size_t n)
{
	return n ? (size_t)(rnd(sc) % n) : 0;
}

void schedule_init(struct schedule *sc, const struct scenario *s, const struct graph *g, unsigned long seed,
		   double start, double end)
{
	size_t n = 0;

	memset(sc, 0, sizeof(*sc));
	sc->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (size_t i = 0; i < s->nupdates; i++)
		n += (size_t)s->updates[i].writers;
	sc->w = xcalloc(n, sizeof(*sc->w));
	for (size_t i = 0; i < s->nupdates; i++) {
		const struct update_spec *u = &s->updates[i];
		for (long k = 0; k < u->writers; k++) {
			struct writer *w = &sc->w[sc->n++];
			w->u = u;
			w->targets = xcalloc(u->ntargets, sizeof(*w->targets));
			w->ntargets = xcalloc(u->ntargets, sizeof(*w->ntargets));
			for (size_t t = 0; t < u->ntargets; t++)
				w->targets[t] = graph_targets(g, u, t, &w->ntargets[t]);
			/* Writers of one stream are spread evenly over its interval. */
			w->t0 = w->next = start + u->every * (double)k / (double)u->writers;
			/* Every scheduled tick inside the phase is intended, sent or not (during a
			   restart: counted when it comes, as only then is it known). */
			if (!u->during_restart)
				sc->intended += schedule_ticks_before(w, end);
		}
	}
}

void schedule_free(struct schedule *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		for (size_t t = 0; t < sc->w[i].u->ntargets; t++)
			free(sc->w[i].targets[t]);
		free(sc->w[i].targets);
		free(sc->w[i].ntargets);
	}
	free(sc->w);
	memset(sc, 0, sizeof(*sc));
}

void schedule_advance(struct writer *w)
{
	w->k++;
	w->next = w->t0 + (double)w->k * w->u->every;
}

long schedule_ticks_before(const struct writer *w, double end)
{
	long n = 0;

	for (long k = w->k; w->t0 + (double)k * w->u->every < end; k++)
		n++;
	return n;
}

long schedule_pick(struct schedule *sc, struct writer *w)
{
	size_t group = 0;

	if (w->u->pick == PICK_ALTERNATE)
		group = w->alt++ % w->u->ntargets;
	else if (w->u->ntargets > 1)
		group = rnd_below(sc, w->u->ntargets);
	if (w->ntargets[group] == 0)
		return -1;
	if (w->u->pick == PICK_ROUND_ROBIN)
		return (long)w->targets[group][w->rr++ % w->ntargets[group]];
	return (long)w->targets[group][rnd_below(sc, w->ntargets[group])];
}
