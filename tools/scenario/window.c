/* The adaptive in-flight window of the update phase (see window.h). */
#include "window.h"

static void clamp(struct window *win)
{
	if (win->w < 1)
		win->w = 1;
	if (win->w > win->max)
		win->w = win->max;
}

void window_init(struct window *win, int start, int max, double now)
{
	win->max = max < 1 ? 1 : max;
	win->w = start;
	clamp(win);
	win->slow_start = 1;
	win->srtt = -1;
	win->base = win->base_prev = -1;
	win->period_end = now + WINDOW_PERIOD;
	win->hold_until = now;
	win->cuts_latency = win->cuts_error = 0;
	win->w_min = win->w_max = win->w;
}

int window_allowed(const struct window *win)
{
	return win->w < 1 ? 1 : (int)win->w;
}

static void note(struct window *win)
{
	if (win->w < win->w_min)
		win->w_min = win->w;
	if (win->w > win->w_max)
		win->w_max = win->w;
}

static void cut(struct window *win, double factor, double now, long *count)
{
	(*count)++;
	win->w *= factor;
	clamp(win);
	win->slow_start = 0;
	/* One cut per service time: the answers already on their way say nothing new. */
	win->hold_until = now + (win->srtt > 0 ? win->srtt : 0.1);
	note(win);
}

void window_ok(struct window *win, double service, int limited, double now)
{
	double base;

	if (service < 0)
		service = 0;
	win->srtt = win->srtt < 0 ? service : 0.875 * win->srtt + 0.125 * service;
	if (now >= win->period_end) {
		/* A server that got slower for good gets a new baseline after two periods. */
		win->base_prev = win->base;
		win->base = -1;
		win->period_end = now + WINDOW_PERIOD;
	}
	if (win->base < 0 || service < win->base)
		win->base = service;
	base = win->base_prev >= 0 && win->base_prev < win->base ? win->base_prev : win->base;
	if (win->srtt > WINDOW_TOLERANCE * base + WINDOW_SLACK) {
		if (now >= win->hold_until)
			cut(win, 0.8, now, &win->cuts_latency);
		return;
	}
	if (!limited)
		return;
	win->w += win->slow_start ? 1 : 1 / win->w;
	clamp(win);
	note(win);
}

void window_overload(struct window *win, double now)
{
	if (now >= win->hold_until)
		cut(win, 0.5, now, &win->cuts_error);
}
