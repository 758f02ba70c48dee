/*
 * How many updates the driver keeps in flight: a window that adapts to what the API server
 * answers (additive increase, multiplicative decrease), so that an overloaded server gets
 * no more requests than it completes and its throughput does not collapse under a queue.
 * Grows fast at first (slow start: one more per update answered), then by one per window
 * of answers, and only while the window is what limits the driver; shrinks to 0.8 of
 * itself when the service time (GET to PUT answered, smoothed) exceeds WINDOW_TOLERANCE
 * times the lowest seen lately plus WINDOW_SLACK (a queue at the server that adds latency
 * and no throughput), and to half on an overload answer (429, 5xx, timeout),
 * at most once per service time. Pure arithmetic on the times it is given: unit-tested.
 */
#ifndef SCENARIO_WINDOW_H
#define SCENARIO_WINDOW_H

#define WINDOW_TOLERANCE 4.0	/* service time allowed, as a multiple of the lowest */
/*
 * ... plus this (seconds). Large on purpose: a server whose cores other processes share
 * answers slower whatever the window, and cutting the window then only loses throughput
 * (measured: 20 ms of slack held a busy server to 158/s where 400/s went through; 250 ms,
 * to 124/s). The cut is for a queue that nears the request timeout; overload answers
 * (429, 5xx, timeouts) cut it in any case.
 */
#define WINDOW_SLACK 1.0
#define WINDOW_PERIOD 30.0
/* Small enough that the first answers show the server's service time without a queue. */
#define WINDOW_START 4	/* the lowest service time is forgotten after two such periods */

struct window {
	double w;		/* updates allowed in flight */
	double max;		/* the hard bound (--max-inflight) */
	int slow_start;
	double srtt;		/* smoothed service time, seconds; < 0: none yet */
	double base, base_prev;	/* lowest service time in this period and the one before */
	double period_end;
	double hold_until;	/* no further decrease before this */
	long cuts_latency, cuts_error;
	double w_min, w_max;	/* the window's range over the run */
};

void window_init(struct window *win, int start, int max, double now);
/* Updates that may be in flight now: at least 1. */
int window_allowed(const struct window *win);
/* An update answered: service seconds from its request to its answer; limited: the window
   was full (so a larger one would have sent more). */
void window_ok(struct window *win, double service, int limited, double now);
/* An answer that says the server is overloaded (429, 5xx, a timeout, no answer). */
void window_overload(struct window *win, double now);

#endif
