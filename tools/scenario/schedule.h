/*
 * The update schedule: each writer of each update stream on its own open-loop clock, and
 * which object its next update goes to. Shared by the run (driver.c) and the plan (plan.c),
 * so that a plan's counts come from the same choices a run makes.
 */
#ifndef SCENARIO_SCHEDULE_H
#define SCENARIO_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>
#include "graph.h"
#include "model.h"

struct writer {
	const struct update_spec *u;
	size_t **targets;	/* per target group: cfg indices */
	size_t *ntargets;
	double t0;		/* its first tick */
	long k;			/* ticks passed */
	double next;		/* scheduled time of its next update: t0 + k * every */
	size_t rr, alt;
};

struct schedule {
	struct writer *w;
	size_t n;
	uint64_t rng;		/* xorshift64*: reproducible target choice for a given seed */
	long intended;		/* ticks inside the phase of the streams not tied to a restart */
};

/* Writers of every stream from `start`, their ticks counted up to `end`. */
void schedule_init(struct schedule *sc, const struct scenario *s, const struct graph *g, unsigned long seed,
		   double start, double end);
void schedule_free(struct schedule *sc);
/* Move w to its next tick (by multiplication: adding `every` 50 times to 0 gives 4.999...). */
void schedule_advance(struct writer *w);
/* Ticks of w at or after its next one and before end. */
long schedule_ticks_before(const struct writer *w, double end);
/* The object writer w's next update goes to (and moves its round-robin); -1: none to pick. */
long schedule_pick(struct schedule *sc, struct writer *w);

#endif
