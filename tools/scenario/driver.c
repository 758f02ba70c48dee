/*
 * The scenario run in one event loop: cleanup, setup (created, then ready as seen by the
 * observer's watches), the open-loop update phase, and the settle phase. The requests each
 * phase sends are writes.c's, the namespaces' cleanup cleanup.c's, the watches observer.c's.
 */
#include "driver.h"
#include "driver_int.h"
#include "fingerprint.h"
#include "jsonf.h"
#include "kobj.h"
#include "kube.h"
#include "kubeconfig.h"
#include "manifest.h"
#include "msg.h"
#include "schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---- the loop ---- */

static void progress(const struct run *r, const char *fmt, ...) LT_PRINTF(2, 3);

static void progress(const struct run *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!r->o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "scenario: %s %s [%.0fs]: %s\n", r->s->id, r->o->arm, mono_now() - r->t_start, buf);
}

void run_tend(struct run *r)
{
	if (r->restart_pid > 0) {
		int st;
		pid_t p = waitpid(r->restart_pid, &st, WNOHANG);
		if (p == r->restart_pid) {
			r->restart_status = st;
			r->restart_finished = mono_now();
			r->restart_pid = 0;
			graph_restart_end(&r->g, r->restart_finished);
		}
	}
	if (stop_requested)
		r->interrupted = 1;
	observer_resume(&r->obs);
}

/* One turn of the loop, waiting at most until `until`. */
static void pump(struct run *r, double until)
{
	double wait = until - mono_now();
	int ms = wait <= 0 ? 0 : wait > 0.2 ? 200 : (int)ceil(wait * 1000);

	if (kube_poll(r->k, ms) == 0 && ms > 0) {
		/* Nothing in flight (watches lost or between phases): wait the turn out anyway. */
		sleep_ms(ms);
	}
	run_tend(r);
}

/* ---- blocking calls (outside callbacks only) ---- */

int run_unreachable(const char *method, const char *path, const struct kube_result *res)
{
	return errorf("cannot reach the API server (%s %s): %s", method, path, res->error);
}

int run_call(struct run *r, const char *method, const char *path, jv body, struct kube_result *res)
{
	char *text = jv_is_valid(body) ? json_dump(body, 0) : NULL;
	int rc = kube_call(r->k, method, path, text, text ? "application/json" : NULL, res);

	free(text);
	jv_free(body);
	if (rc < 0) {
		/* No HTTP answer at all: one line, and nothing left for the caller to free. */
		run_unreachable(method, path, res);
		kube_result_free(res);
	}
	return rc;
}

static void wait_idle(struct run *r, double deadline)
{
	while (r->outstanding > 0 && mono_now() < deadline && !r->interrupted)
		pump(r, deadline);
}

static int create_namespaces(struct run *r)
{
	const struct scenario *s = r->s;
	struct kube_result res;

	for (size_t i = 0; i < s->nns; i++) {
		char *path = kobj_list_path("v1", "Namespace", NULL);
		int rc = run_call(r, "POST", path, manifest_namespace(s->namespaces[i], s->id), &res);
		free(path);
		if (rc < 0)
			return -1;
		long st = res.status;
		kube_result_free(&res);
		if (st != 201 && st != 200)
			return errorf("cannot create namespace '%s': HTTP %ld", s->namespaces[i], st);
	}
	return 0;
}

/* Until every workload created is ready (as the observer sees them), or the deadline. */
static void wait_ready(struct run *r, double deadline)
{
	for (;;) {
		/* Counted by the graph as events come: no scan of every workload per loop turn. */
		size_t ready = (size_t)r->g.nready_existing, existing = (size_t)r->g.nexisting;
		r->setup_workloads = (long)r->g.nwl;
		r->setup_ready_workloads = (long)ready;
		/* A workload that could not be created never gets ready: not waited for. */
		if (ready == existing) {
			r->setup_ready = r->setup_failed == 0;
			return;
		}
		if (mono_now() >= deadline || r->interrupted) {
			progress(r, "only %zu of %zu workloads ready; going on", ready, existing);
			return;
		}
		pump(r, deadline);
	}
}

static int setup(struct run *r)
{
	const struct scenario *s = r->s;
	double deadline = mono_now() + r->o->setup_timeout;

	if (create_namespaces(r) < 0 || observer_start(&r->obs, r) < 0)
		return -1;
	for (size_t c = 0; c < r->g.ncfg; c++) {
		jv obj = manifest_cfg(&r->g.cfg[c], s->id);
		unsigned char fp[20];
		int have = fingerprint_object(obj, r->g.cfg[c].kind, fp) == 0;
		graph_cfg_created(&r->g, c, have ? fp : NULL, mono_now());
		create_async(r, r->g.cfg[c].kind, r->g.cfg[c].ns, r->g.cfg[c].name, obj, -1, 0);
	}
	/* Workloads after the objects they reference, so none starts without its ConfigMap. */
	wait_idle(r, deadline);
	for (size_t w = 0; w < r->g.nwl; w++)
		create_async(r, r->g.wl[w].kind, r->g.wl[w].ns, r->g.wl[w].name,
			     manifest_workload(&r->g.wl[w], &r->g, s->id), (long)w, 0);
	wait_idle(r, deadline);
	progress(r, "created %zu objects and %zu workloads (%ld failed)", r->g.ncfg, r->g.nwl, r->setup_failed);
	wait_ready(r, deadline);
	r->t_ready = mono_now();
	progress(r, "setup done in %.1fs", r->t_ready - r->t_start);
	return 0;
}

/* ---- the controller restart ---- */

static void restart(struct run *r)
{
	posix_spawn_file_actions_t fa;
	int e;

	r->restart_done = 1;
	r->restart_at = mono_now();
	graph_restart_begin(&r->g, r->restart_at);
	progress(r, "restarting the controller");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	e = posix_spawnp(&r->restart_pid, r->o->restart_cmd[0], &fa, NULL, r->o->restart_cmd, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		errno = e;
		warnf_errno("cannot run restart command '%s'", r->o->restart_cmd[0]);
		r->restart_spawn_error = 1;
		r->restart_pid = 0;
		r->restart_finished = mono_now();
		graph_restart_end(&r->g, r->restart_finished);
	}
}

/* Never leave the restart command behind. */
static void restart_stop(struct run *r)
{
	if (r->restart_pid <= 0)
		return;
	kill(r->restart_pid, SIGTERM);
	while (waitpid(r->restart_pid, &r->restart_status, 0) < 0 && errno == EINTR)
		;
	r->restart_finished = mono_now();
	r->restart_pid = 0;
	graph_restart_end(&r->g, r->restart_finished);
}

/* ---- the update phase ---- */

/* Ticks due before the phase's end and held back by the window wait this long past it. */
#define PHASE_GRACE 2.0

/* The writer whose oldest unsent tick is due first (at or before t, before end); NULL: none. */
static struct writer *oldest_due(struct schedule *sc, double t, double end)
{
	struct writer *best = NULL;

	for (size_t i = 0; i < sc->n; i++) {
		struct writer *w = &sc->w[i];
		if (w->next <= t && w->next < end && (best == NULL || w->next < best->next))
			best = w;
	}
	return best;
}

static void backlog_mark(struct run *r, int backlog, double t)
{
	if (backlog && r->backlog_since < 0) {
		r->backlog_since = t;
	} else if (!backlog && r->backlog_since >= 0) {
		r->backlog_seconds += t - r->backlog_since;
		r->backlog_since = -1;
	}
}

/* The update phase's own state: its schedule, its churn, its times (mono_now's clock). */
struct phase {
	struct schedule sc;
	struct churn_state cs;
	double start, end, next_progress;
};

static void phase_begin(struct run *r, struct phase *p)
{
	const struct scenario *s = r->s;

	memset(p, 0, sizeof(*p));
	p->start = mono_now();
	r->phase_len = scenario_phase(s, r->o->duration);
	p->end = p->start + r->phase_len;
	r->t_phase_start = p->start;
	schedule_init(&p->sc, s, &r->g, r->o->seed, p->start, p->end);
	r->intended += p->sc.intended;
	window_init(&r->win, r->o->fixed_inflight ? r->o->max_inflight : WINDOW_START, r->o->max_inflight, p->start);
	r->backlog_since = -1;
	if (s->churn.set)
		p->cs.next = p->start;
	progress(r, "update phase: %.0fs, %ld updates intended", r->phase_len, r->intended);
	p->next_progress = p->start + 10;
}

/*
 * Open loop: every tick due at t is sent, oldest first, unless the window is full: then it
 * waits for an answer (its lateness counts the wait), so the server is never sent more than
 * it answers. Returns whether ticks are held back (a backlog).
 */
static int send_due(struct run *r, struct phase *p, double t)
{
	struct writer *w;

	while ((w = oldest_due(&p->sc, t, p->end)) != NULL) {
		if (w->u->during_restart && r->restart_pid <= 0) {
			/* Only while the controller is down. */
			schedule_advance(w);
			continue;
		}
		if (r->upd_inflight >= window_allowed(&r->win))
			return 1;
		if (r->restart_pid > 0)
			r->sent_while_down++;
		if (w->u->during_restart)
			r->intended++;
		update_fire(r, &p->sc, w);
		schedule_advance(w);
	}
	return 0;
}

/* The churn ticks due at t, run; and the next one's time, if before due and the end. */
static double churn_due(struct run *r, struct phase *p, double t, double due)
{
	if (!r->s->churn.set)
		return due;
	while (p->cs.next <= t && p->cs.next < p->end)
		churn_tick(r, &p->cs);
	return p->cs.next < p->end && p->cs.next < due ? p->cs.next : due;
}

/* The controller restarted when its time has come; else its time, if before due. */
static double restart_due(struct run *r, const struct phase *p, double t, double due)
{
	double at = p->start + r->s->restart_at;

	if (r->s->restart_at < 0 || r->restart_done || !r->o->restart_cmd || at >= p->end)
		return due;
	if (at <= t)
		restart(r);
	else if (at < due)
		return at;
	return due;
}

/* What was not sent, and whether the API server held the phase back: its rate then. */
static void phase_end(struct run *r, struct phase *p)
{
	r->t_phase_end = mono_now();
	backlog_mark(r, 0, r->t_phase_end);
	for (size_t i = 0; i < p->sc.n; i++)
		if (!p->sc.w[i].u->during_restart)
			r->not_sent += schedule_ticks_before(&p->sc.w[i], p->end);
	r->saturated = r->backlog_done >= 10 &&
		       (r->not_sent > 0 || r->backlog_seconds >= fmax(1.0, 0.05 * r->phase_len));
	if (r->saturated)
		warnf("%s %s: API server saturated at %.1f updates/s (intended %.1f/s; %ld updates not sent)", r->s->id,
		      r->o->arm, (double)r->backlog_done / r->backlog_seconds,
		      r->phase_len > 0 ? (double)r->intended / r->phase_len : 0.0, r->not_sent);
	schedule_free(&p->sc);
	free(p->cs.created);
}

static void update_phase(struct run *r)
{
	struct phase p;

	phase_begin(r, &p);
	while (!r->interrupted) {
		double t = mono_now(), due = INFINITY;
		int backlog = send_due(r, &p, t);

		backlog_mark(r, backlog, t);
		for (size_t i = 0; i < p.sc.n; i++)
			if (p.sc.w[i].next < p.end && p.sc.w[i].next < due)
				due = p.sc.w[i].next;
		due = churn_due(r, &p, t, due);
		due = restart_due(r, &p, t, due);
		if (t >= p.next_progress) {
			progress(r, "%ld/%ld updates sent, %ld succeeded, %ld failed, %.0fs of the update phase left",
				 r->sent, r->intended, r->succeeded, r->failed, p.end > t ? p.end - t : 0);
			p.next_progress += 10;
		}
		/* The phase ends at its time, once every tick scheduled before then has been sent
		   (those the window still holds back PHASE_GRACE later are not sent). */
		if (t >= p.end && (due == INFINITY || t >= p.end + PHASE_GRACE))
			break;
		/* Held back: wait for an answer (the loop wakes on one), not for the next tick. */
		pump(r, backlog ? t + 0.2 : due < p.end ? due : p.end);
	}
	phase_end(r, &p);
}

/* ---- settle: until quiet and converged, bounded ---- */

/* When the last roll was seen, or the update phase ended if later. */
static double last_activity(const struct run *r)
{
	return r->last_roll_seen > r->t_phase_end ? r->last_roll_seen : r->t_phase_end;
}

static void settle(struct run *r)
{
	double start = mono_now(), deadline = start + r->o->settle_timeout, next_summary = 0;

	wait_idle(r, deadline);
	while (!r->interrupted && mono_now() < deadline) {
		struct observed ob;
		double last = last_activity(r), now = mono_now();
		/*
		 * Quiet and converged; or quiet for long enough that no roll is coming (a lost
		 * update), unless a paused deployment still has to roll out its new template.
		 * The summary walks every workload: only once quiet, and at most 5 times a second.
		 */
		double quiet = now - last, give_up = r->o->quiet * 3 > 15 ? r->o->quiet * 3 : 15;
		if (r->restart_pid == 0 && quiet >= r->o->quiet && now >= next_summary) {
			graph_summary(&r->g, &ob);
			next_summary = now + 0.2;
			if (ob.converged || (quiet >= give_up && ob.waiting_resume == 0))
				break;
		}
		pump(r, deadline);
	}
	/* Still rolling when the observer stops: what is not answered yet may still be. */
	r->g.unsettled = mono_now() - last_activity(r) < r->o->quiet;
	/* A restart command still running is waited for, within the bound. */
	while (r->restart_pid > 0 && mono_now() < deadline + 30 && !r->interrupted)
		pump(r, deadline + 30);
	progress(r, "settled after %.1fs", mono_now() - start);
}

int run_scenario(struct run *r, const struct scenario *s, const struct run_opts *o, const struct kubeconfig *cfg)
{
	struct sigaction sa;
	struct timespec ts;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	r->s = s;
	r->o = o;
	if (graph_build(&r->g, s) < 0)
		return -1;
	r->k = kube_new(cfg, o->max_inflight);
	if (r->k == NULL)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_REALTIME, &ts);
	r->mono0 = mono_now();
	r->unix0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	r->t_start = r->mono0;
	progress(r, "cleaning up namespaces");
	run_delete_leftovers(r);
	for (size_t i = 0; i < s->nns && rc == 0; i++)
		rc = run_delete_namespace(r, s->namespaces[i], r->t_start + 180, 1);
	if (rc == 0) {
		r->t_cleaned = mono_now();
		rc = setup(r);
	}
	if (rc == 0 && !r->interrupted)
		update_phase(r);
	if (rc == 0 && !r->interrupted) {
		settle(r);
		r->t_settled = mono_now();
	}
	observer_stop(&r->obs);
	r->t_end = mono_now();
	/* The next run's clean-up starts now, while this one's results are written. */
	for (size_t i = 0; o->delete_after && !r->interrupted && i < s->nns; i++)
		if (run_delete_namespace(r, s->namespaces[i], 0, 0) < 0)
			warnf("namespace '%s' was not deleted: the next run deletes it", s->namespaces[i]);
	restart_stop(r);
	return rc;
}

void run_free(struct run *r)
{
	if (r->k)
		kube_free(r->k);
	graph_free(&r->g);
	free(r->lateness);
	free(r->latency);
	free(r->sched_of);
	memset(r, 0, sizeof(*r));
}
