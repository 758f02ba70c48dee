/*
 * The scenario run in one event loop: cleanup, setup (created, then ready as seen by the
 * observer's watches), the open-loop update phase, and the settle phase.
 */
#include "driver.h"
#include "fingerprint.h"
#include "jsonf.h"
#include "kobj.h"
#include "kube.h"
#include "kubeconfig.h"
#include "kwait.h"
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

/* ---- small helpers ---- */

static void push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		double *p = realloc(*v, *cap * sizeof(**v));
		if (p == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		*v = p;
	}
	(*v)[(*n)++] = x;
}

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* "http 409 Conflict", "http 500", "transport: ..." */
static void error_kind(const struct kube_result *res, char *buf, size_t size)
{
	if (res->status == 0) {
		if (res->code == CURLE_OPERATION_TIMEDOUT)
			snprintf(buf, size, "timeout");
		else
			snprintf(buf, size, "transport");
		return;
	}
	const char *reason = json_str(res->json, "reason");
	if (reason)
		snprintf(buf, size, "http %ld %s", res->status, reason);
	else
		snprintf(buf, size, "http %ld", res->status);
}

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

static void watches_resume(struct run *r);

/* What every turn of the loop does besides polling: reap the restart command, notice a
   signal, resume the observer's watches. */
static void tend(struct run *r)
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
	watches_resume(r);
}

/* One turn of the loop, waiting at most until `until`. */
static void pump(struct run *r, double until)
{
	double wait = until - mono_now();
	int ms = wait <= 0 ? 0 : wait > 0.2 ? 200 : (int)ceil(wait * 1000);

	if (kube_poll(r->k, ms) == 0 && ms > 0) {
		/* Nothing in flight (watches lost or between phases): wait the turn out anyway. */
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	tend(r);
}

/* ---- blocking calls (outside callbacks only) ---- */

/* A request that got no HTTP answer at all. */
static int unreachable(const char *method, const char *path, const struct kube_result *res)
{
	return errorf("cannot reach the API server (%s %s): %s", method, path, res->error);
}

static int call(struct run *r, const char *method, const char *path, jv body, struct kube_result *res)
{
	char *text = jv_is_valid(body) ? json_dump(body, 0) : NULL;
	int rc = kube_call(r->k, method, path, text, text ? "application/json" : NULL, res);

	free(text);
	jv_free(body);
	if (rc < 0) {
		/* No HTTP answer at all: one line, and nothing left for the caller to free. */
		unreachable(method, path, res);
		kube_result_free(res);
	}
	return rc;
}

/* ---- cleanup: delete the namespaces this tool made, and wait until they are gone ---- */

struct ns_cleanup {
	struct run *r;
	const char *ns;
	int said;		/* a list failed, and its message is printed */
};

/* kwait's turn: the loop's own work (a signal ends the wait). */
static int cleanup_turn(void *ud)
{
	struct ns_cleanup *c = ud;

	tend(c->r);
	return c->r->interrupted;
}

static int cleanup_list_failed(const char *path, const struct kube_result *res, void *ud)
{
	struct ns_cleanup *c = ud;

	if (res->code != CURLE_OK)
		unreachable("GET", path, res);
	else
		errorf("cannot list namespace '%s': HTTP %ld", c->ns, res->status);
	c->said = 1;
	return 1;
}

/* Wait, by list and watch, until namespace ns is gone (deadline: mono_now's clock). */
static int wait_gone(struct run *r, const char *ns, double deadline)
{
	struct ns_cleanup c = { r, ns, 0 };
	const struct kwait_opts opts = {
		.turn = cleanup_turn, .list_failed = cleanup_list_failed, .quiet_timeout = 1, .ud = &c,
	};
	char what[300];

	snprintf(what, sizeof(what), "namespace '%s'", ns);
	int rc = kwait_gone_opt(r->k, "v1", "Namespace", NULL, ns, deadline - mono_now(), what, &opts);

	if (rc == KWAIT_STOPPED && !c.said)
		return errorf("interrupted while deleting namespace '%s'", ns);
	if (rc == KWAIT_TIMEOUT)
		return errorf("namespace '%s' still exists after %.0f s", ns, deadline - r->t_start);
	return rc < 0 ? -1 : 0;
}

/* Whether namespace ns at path is one this tool made: 1 yes, 0 it is absent, -1 (printed) else. */
static int ours(struct run *r, const char *ns, const char *path)
{
	struct kube_result res;
	jv obj;
	int rc = kobj_get_answer(r->k, path, &obj, &res);

	if (rc < 0 && res.code != CURLE_OK)
		unreachable("GET", path, &res);
	else if (rc < 0)
		errorf("cannot read namespace '%s': HTTP %ld", ns, res.status);
	kube_result_free(&res);
	if (rc <= 0)
		return rc;
	/* Only namespaces this tool made are deleted: never a user's (or "default"). */
	int labelled = kobj_has_label(obj, LABEL_SCENARIO, NULL);
	jv_free(obj);
	if (!labelled)
		return errorf("namespace '%s' exists and was not made by this tool: refusing to delete it "
			      "(use --namespace to pick another)", ns);
	return 1;
}

/* Delete namespace ns (one this tool made), waiting until it is gone unless !wait. */
static int delete_namespace(struct run *r, const char *ns, double deadline, int wait)
{
	char *path = kobj_path("v1", "Namespace", NULL, ns);
	struct kube_result res;
	int rc;

	if (path == NULL)
		return errorf("%s: a name is not usable in an API path", ns);
	rc = ours(r, ns, path);
	if (rc > 0) {
		rc = kobj_delete_answer(r->k, path, &res);
		if (rc < 0 && res.code != CURLE_OK)
			unreachable("DELETE", path, &res);
		else if (rc < 0)
			errorf("cannot delete namespace '%s': HTTP %ld", ns, res.status);
		kube_result_free(&res);
	}
	free(path);
	if (rc <= 0 || !wait)
		return rc < 0 ? -1 : 0;
	return wait_gone(r, ns, deadline);
}

/* ---- the observer ---- */

struct watch_ctx {
	struct run *r;
	enum obj_kind kind;
	char rv[64];
	struct kube_watch *w;
	int failures;
	int listed;		/* listed once: a later list covers a gap in its events */
	int active;
	int closed;		/* the stream ended: to be resumed outside the callbacks */
	double retry_at;	/* resume no earlier than this (backoff after failures) */
};

static struct watch_ctx watches[3];

static int workload_ready(enum obj_kind kind, jv obj)
{
	jv spec = json_get(obj, "spec"), status = json_get(obj, "status"), meta = json_get(obj, "metadata");
	double want = 1, ready = 0, updated = 0, og = 0, gen = 0, desired = 0;
	int ok = 0;

	json_num(spec, "replicas", &want);
	json_num(meta, "generation", &gen);
	json_num(status, "observedGeneration", &og);
	switch (kind) {
	case K_DEPLOYMENT:
		json_num(status, "readyReplicas", &ready);
		json_num(status, "updatedReplicas", &updated);
		ok = og >= gen && ready >= want && updated >= want;
		break;
	case K_STATEFULSET:
		json_num(status, "readyReplicas", &ready);
		ok = og >= gen && ready >= want;
		break;
	case K_DAEMONSET:
		json_num(status, "numberReady", &ready);
		json_num(status, "desiredNumberScheduled", &desired);
		ok = og >= gen && desired > 0 && ready >= desired;
		break;
	default:
		break;
	}
	jv_free(spec);
	jv_free(status);
	jv_free(meta);
	return ok;
}

static void observe(struct run *r, enum obj_kind kind, const char *type, jv obj)
{
	jv meta = json_get(obj, "metadata");
	const char *name = json_str(meta, "name"), *ns = json_str(meta, "namespace");
	long w = name && ns ? graph_find_wl(&r->g, kind, ns, name) : -1;

	if (w >= 0) {
		if (strcmp(type, "DELETED") == 0) {
			graph_deleted(&r->g, (size_t)w);
		} else {
			jv spec = json_get(obj, "spec");
			jv tmpl = json_get(spec, "template");
			jv paused = json_get(spec, "paused");
			int has_annotation = 0;
			if (r->s->expect_annotation) {
				jv tm = json_get(tmpl, "metadata");
				jv an = json_get(tm, "annotations");
				has_annotation = json_str(an, r->s->expect_annotation) != NULL;
				jv_free(an);
				jv_free(tm);
			}
			long before = r->g.wl[w].rolls;
			size_t out_before = r->g.wl[w].nout;
			/* Sorted keys: the same template always gives the same text. */
			jv text = jv_dump_string(jv_copy(tmpl), JV_PRINT_SORTED);
			graph_observe(&r->g, (size_t)w, hash_text(jv_string_value(text)), jv_string_value(text),
				      jv_get_kind(paused) == JV_KIND_TRUE, workload_ready(kind, obj), has_annotation,
				      mono_now());
			if (r->g.wl[w].rolls != before || r->g.wl[w].nout != out_before)
				r->last_roll_seen = mono_now();
			jv_free(text);
			jv_free(paused);
			jv_free(tmpl);
			jv_free(spec);
		}
	}
	jv_free(meta);
}

static void watch_event(const char *type, jv obj, void *ud)
{
	struct watch_ctx *wc = ud;
	jv meta = json_get(obj, "metadata");
	const char *rv = json_str(meta, "resourceVersion");

	if (strcmp(type, "ERROR") == 0) {
		/* 410 Gone: our version is too old; the close handler lists again. */
		wc->rv[0] = '\0';
	} else {
		if (rv)
			snprintf(wc->rv, sizeof(wc->rv), "%s", rv);
		wc->failures = 0;
		if (strcmp(type, "BOOKMARK") != 0)
			observe(wc->r, wc->kind, type, obj);
	}
	jv_free(meta);
}

static void watch_closed(const struct kube_result *res, void *ud)
{
	struct watch_ctx *wc = ud;

	/* Watches end (server time-outs, restarts): pump() resumes from the last version seen. */
	if (res->status == 410)
		wc->rv[0] = '\0';
	if (res->status == 0)
		wc->r->watch_cut++;
	wc->w = NULL;
	wc->closed = 1;
	/* A normal end by the server resumes at once; an error waits a little. */
	if (res->status != 200) {
		wc->failures++;
		wc->retry_at = mono_now() + 0.2 * wc->failures;
	}
}

static char *selector_path(const struct run *r, enum obj_kind kind)
{
	char *all = kobj_list_path("apps/v1", kind_name(kind), NULL);
	char *p = xasprintf("%s?labelSelector=%s%%3D%s", all, LABEL_SCENARIO, r->s->id);

	free(all);
	return p;
}

/* List (when we have no version), observe what exists, then watch from the list's version. */
static int watch_start(struct run *r, struct watch_ctx *wc)
{
	char *path = selector_path(r, wc->kind);

	if (wc->rv[0] == '\0') {
		struct kube_result res;
		/* Listed again: its version was gone, and a change between may never be seen. */
		if (wc->listed)
			r->relists++;
		if (call(r, "GET", path, jv_invalid(), &res) < 0) {
			free(path);
			return -1;
		}
		if (res.status != 200) {
			errorf("cannot list %ss: HTTP %ld", kind_name(wc->kind), res.status);
			kube_result_free(&res);
			free(path);
			return -1;
		}
		jv items = json_get(res.json, "items"), meta = json_get(res.json, "metadata");
		const char *rv = json_str(meta, "resourceVersion");
		snprintf(wc->rv, sizeof(wc->rv), "%s", rv ? rv : "");
		wc->listed = 1;
		int n = jv_get_kind(items) == JV_KIND_ARRAY ? jv_array_length(jv_copy(items)) : 0;
		for (int i = 0; i < n; i++) {
			jv it = jv_array_get(jv_copy(items), i);
			observe(r, wc->kind, "ADDED", it);
			jv_free(it);
		}
		jv_free(items);
		jv_free(meta);
		kube_result_free(&res);
	}
	wc->w = kube_watch(r->k, path, wc->rv, watch_event, watch_closed, wc);
	free(path);
	if (wc->w == NULL)
		return errorf("cannot watch %ss", kind_name(wc->kind));
	wc->active = 1;
	return 0;
}

static int observer_start(struct run *r)
{
	static const enum obj_kind kinds[3] = { K_DEPLOYMENT, K_STATEFULSET, K_DAEMONSET };

	for (int i = 0; i < 3; i++) {
		memset(&watches[i], 0, sizeof(watches[i]));
		watches[i].r = r;
		watches[i].kind = kinds[i];
		if (watch_start(r, &watches[i]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Resume ended watches from the last version seen, with a growing pause between failed
 * attempts (0.2 s doubling to 5 s); the observer is lost only after 20 failures in a row.
 */
static void watches_resume(struct run *r)
{
	for (int i = 0; i < 3; i++) {
		struct watch_ctx *wc = &watches[i];
		if (!wc->closed || !wc->active || mono_now() < wc->retry_at)
			continue;
		r->watch_restarts++;
		if (watch_start(r, wc) == 0) {
			wc->closed = 0;
			continue;
		}
		if (++wc->failures > 20) {
			r->watch_lost = 1;
			wc->active = 0;
			continue;
		}
		double pause = 0.2 * (double)(1 << (wc->failures < 5 ? wc->failures : 5));
		wc->retry_at = mono_now() + (pause > 5 ? 5 : pause);
	}
}

static void observer_stop(void)
{
	for (int i = 0; i < 3; i++) {
		watches[i].active = 0;
		if (watches[i].w)
			kube_watch_cancel(watches[i].w);
		watches[i].w = NULL;
	}
}

/* ---- creating objects ---- */

struct create_op {
	struct run *r;
	long wl;		/* workload index, or -1 */
	int churn;
	double sent;
	char what[300];
};

static void created(const struct kube_result *res, void *ud)
{
	struct create_op *op = ud;
	struct run *r = op->r;

	r->outstanding--;
	if (res->status == 201 || res->status == 200) {
		if (op->wl >= 0)
			graph_workload_created(&r->g, (size_t)op->wl, op->sent, mono_now());
		if (op->churn)
			r->churn_created++;
	} else {
		char kind[64];
		error_kind(res, kind, sizeof(kind));
		if (op->churn) {
			r->churn_failed++;
		} else {
			r->setup_failed++;
			warnf("cannot create %s: %s", op->what, kind);
		}
		run_count_error(r, kind);
	}
	free(op);
}

static void create_async(struct run *r, enum obj_kind kind, const char *ns, const char *name, jv obj, long wl,
			 int churn)
{
	struct create_op *op = calloc(1, sizeof(*op));
	char *path = api_collection(kind, ns);
	char *text = json_dump(obj, 0);

	if (op == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	op->r = r;
	op->wl = wl;
	op->churn = churn;
	op->sent = mono_now();
	snprintf(op->what, sizeof(op->what), "%s %s/%s", kind_name(kind), ns, name);
	r->outstanding++;
	kube_request(r->k, "POST", path, text, "application/json", created, op);
	free(text);
	free(path);
	jv_free(obj);
}

static void wait_idle(struct run *r, double deadline)
{
	while (r->outstanding > 0 && mono_now() < deadline && !r->interrupted)
		pump(r, deadline);
}

static int setup(struct run *r)
{
	const struct scenario *s = r->s;
	struct kube_result res;
	double deadline = mono_now() + r->o->setup_timeout;

	for (size_t i = 0; i < s->nns; i++) {
		char *path = kobj_list_path("v1", "Namespace", NULL);
		int rc = call(r, "POST", path, manifest_namespace(s->namespaces[i], s->id), &res);
		free(path);
		if (rc < 0)
			return -1;
		long st = res.status;
		kube_result_free(&res);
		if (st != 201 && st != 200)
			return errorf("cannot create namespace '%s': HTTP %ld", s->namespaces[i], st);
	}
	if (observer_start(r) < 0)
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
	for (;;) {
		/* Counted by the graph as events come: no scan of every workload per loop turn. */
		size_t ready = (size_t)r->g.nready_existing, existing = (size_t)r->g.nexisting;
		r->setup_workloads = (long)r->g.nwl;
		r->setup_ready_workloads = (long)ready;
		/* A workload that could not be created never gets ready: not waited for. */
		if (ready == existing) {
			r->setup_ready = r->setup_failed == 0;
			break;
		}
		if (mono_now() >= deadline || r->interrupted) {
			progress(r, "only %zu of %zu workloads ready; going on", ready, existing);
			break;
		}
		pump(r, deadline);
	}
	r->t_ready = mono_now();
	progress(r, "setup done in %.1fs", r->t_ready - r->t_start);
	return 0;
}

/* ---- updates: GET, change, PUT; conflicts retried ---- */

struct upd_op {
	struct run *r;
	size_t cfg;
	const struct update_spec *u;
	unsigned long seq;
	double sched, sent;
	double get_started;	/* when the GET of the last attempt left the queue */
	int limited;		/* the window was full when it was sent */
	int attempts;
};

static void upd_get(struct upd_op *op);

/* An answer that says the server is overloaded: too many requests, a server error, none in time. */
static int overload_answer(const struct kube_result *res)
{
	return res->status == 0 || res->status == 429 || res->status >= 500;
}

static void upd_fail(struct upd_op *op, const struct kube_result *res)
{
	char kind[64];
	struct run *r = op->r;

	error_kind(res, kind, sizeof(kind));
	r->outstanding--;
	r->upd_inflight--;
	r->failed++;
	run_count_error(r, kind);
	if (!r->o->fixed_inflight && overload_answer(res))
		window_overload(&r->win, mono_now());
	free(op);
}

static void upd_put_done(const struct kube_result *res, void *ud)
{
	struct upd_op *op = ud;
	struct run *r = op->r;

	if (res->status == 200) {
		double done = mono_now();
		r->succeeded++;
		if (r->backlog_since >= 0)
			r->backlog_done++;
		if (op->u->change == CH_NOOP)
			r->noop_ok++;
		push(&r->latency, &r->nlat, &r->caplat, done - op->sched);
		graph_update_ok(&r->g, op->cfg, op->u->change != CH_NOOP, op->seq, op->sent, done);
		if (!r->o->fixed_inflight)
			window_ok(&r->win, res->done - op->get_started, op->limited, done);
		r->outstanding--;
		r->upd_inflight--;
		free(op);
	} else if (res->status == 409 && op->attempts < 5) {
		r->conflicts++;
		graph_update_failed(&r->g, op->cfg, op->seq);
		upd_get(op);
	} else {
		/*
		 * No answer at all (a timeout after sending) may still have been applied: its
		 * workloads keep waiting, so a roll it caused is not called spurious.
		 */
		if (res->status != 0)
			graph_update_failed(&r->g, op->cfg, op->seq);
		upd_fail(op, res);
	}
}

static void upd_got(const struct kube_result *res, void *ud)
{
	struct upd_op *op = ud;
	struct run *r = op->r;
	const struct cfgobj *c = &r->g.cfg[op->cfg];

	if (res->status != 200 || jv_get_kind(res->json) != JV_KIND_OBJECT) {
		upd_fail(op, res);
		return;
	}
	op->get_started = res->started;
	jv obj = manifest_change(jv_copy(res->json), c->kind, op->u, op->seq);
	char *text = json_dump(obj, 0), *path = api_object(c->kind, c->ns, c->name);
	/* From now on a roll of its workloads may be the controller's answer to this write. */
	if (op->u->change != CH_NOOP) {
		unsigned char fp[20];
		int have = fingerprint_object(obj, c->kind, fp) == 0;
		/* The version it was based on: successful writes of one object follow each other. */
		jv meta = json_get(res->json, "metadata");
		const char *rv = json_str(meta, "resourceVersion");
		char *end = NULL;
		double order = rv ? strtod(rv, &end) : 0;
		if (rv == NULL || end == rv || *end != '\0')
			order = (double)op->seq;
		jv_free(meta);
		graph_update_begin(&r->g, op->cfg, op->seq, op->sent, have ? fp : NULL, order);
	}
	kube_request(r->k, "PUT", path, text, "application/json", upd_put_done, op);
	free(text);
	free(path);
	jv_free(obj);
}

static void upd_get(struct upd_op *op)
{
	const struct cfgobj *c = &op->r->g.cfg[op->cfg];
	char *path = api_object(c->kind, c->ns, c->name);

	op->attempts++;
	kube_request(op->r->k, "GET", path, NULL, NULL, upd_got, op);
	free(path);
}

/* Send the next update of writer w (its tick at w->next). */
static void fire(struct run *r, struct schedule *sc, struct writer *w)
{
	long pick = schedule_pick(sc, w);

	if (pick < 0)
		return;
	struct upd_op *op = calloc(1, sizeof(*op));
	if (op == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	op->r = r;
	op->cfg = (size_t)pick;
	op->u = w->u;
	op->seq = ++r->seq;
	op->sched = w->next;
	if (r->seq > r->capsched) {
		r->capsched = r->capsched ? r->capsched * 2 : 1024;
		r->sched_of = realloc(r->sched_of, r->capsched * sizeof(*r->sched_of));
		if (r->sched_of == NULL)
			dief(EXIT_TROUBLE, "out of memory");
	}
	r->sched_of[r->seq - 1] = op->sched;
	op->sent = mono_now();
	r->sent++;
	r->outstanding++;
	r->upd_inflight++;
	op->limited = r->upd_inflight >= window_allowed(&r->win);
	push(&r->lateness, &r->nlate, &r->caplate, op->sent - op->sched);
	upd_get(op);
}

/* ---- churn ---- */

struct churn_state {
	double next;
	long n;
	size_t *created;	/* workload indices in creation order */
	size_t ncreated;
};

static void churn_deleted(const struct kube_result *res, void *ud)
{
	struct create_op *op = ud;

	op->r->outstanding--;
	if (res->status == 200 || res->status == 202) {
		op->r->churn_deleted++;
		graph_deleted(&op->r->g, (size_t)op->wl);
	} else {
		char kind[64];
		error_kind(res, kind, sizeof(kind));
		op->r->churn_failed++;
		run_count_error(op->r, kind);
	}
	free(op);
}

static void churn_tick(struct run *r, struct churn_state *cs)
{
	const struct scenario *s = r->s;
	long added = graph_add_workload(&r->g, s, &s->churn.workload, s->namespaces[0], cs->n++);
	cs->next += s->churn.every;
	if (added < 0) {
		/* Its references name an object the scenario does not create: counted, skipped. */
		r->churn_failed++;
		return;
	}
	size_t w = (size_t)added;
	size_t *p = realloc(cs->created, (cs->ncreated + 1) * sizeof(*p));

	if (p == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	cs->created = p;
	cs->created[cs->ncreated++] = w;
	create_async(r, K_DEPLOYMENT == r->g.wl[w].kind ? K_DEPLOYMENT : r->g.wl[w].kind, r->g.wl[w].ns,
		     r->g.wl[w].name, manifest_workload(&r->g.wl[w], &r->g, s->id), (long)w, 1);
	if ((long)cs->ncreated > s->churn.keep) {
		size_t old = cs->created[cs->ncreated - 1 - (size_t)s->churn.keep];
		struct create_op *op = calloc(1, sizeof(*op));
		if (op == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		op->r = r;
		op->wl = (long)old;
		char *path = api_object(r->g.wl[old].kind, r->g.wl[old].ns, r->g.wl[old].name);
		r->outstanding++;
		kube_request(r->k, "DELETE", path, NULL, NULL, churn_deleted, op);
		free(path);
	}
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
		warnf("cannot run restart command '%s': %s", r->o->restart_cmd[0], strerror(e));
		r->restart_spawn_error = 1;
		r->restart_pid = 0;
		r->restart_finished = mono_now();
		graph_restart_end(&r->g, r->restart_finished);
	}
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

static void update_phase(struct run *r)
{
	const struct scenario *s = r->s;
	struct schedule sc;
	struct churn_state cs = { 0, 0, NULL, 0 };
	double start = mono_now(), end, next_progress;

	r->phase_len = scenario_phase(s, r->o->duration);
	end = start + r->phase_len;
	r->t_phase_start = start;
	schedule_init(&sc, s, &r->g, r->o->seed, start, end);
	r->intended += sc.intended;
	window_init(&r->win, r->o->fixed_inflight ? r->o->max_inflight : WINDOW_START, r->o->max_inflight, start);
	r->backlog_since = -1;
	if (s->churn.set)
		cs.next = start;
	progress(r, "update phase: %.0fs, %ld updates intended", r->phase_len, r->intended);
	next_progress = start + 10;
	while (!r->interrupted) {
		double t = mono_now(), due = INFINITY;
		struct writer *w;
		int backlog = 0;
		/*
		 * Open loop: every tick is sent when it is due, oldest first, unless the window
		 * is full: then it waits for an answer (its lateness counts the wait), so the
		 * server is never sent more than it answers.
		 */
		while ((w = oldest_due(&sc, t, end)) != NULL) {
			if (w->u->during_restart && r->restart_pid <= 0) {
				/* Only while the controller is down. */
				schedule_advance(w);
				continue;
			}
			if (r->upd_inflight >= window_allowed(&r->win)) {
				backlog = 1;
				break;
			}
			if (r->restart_pid > 0)
				r->sent_while_down++;
			if (w->u->during_restart)
				r->intended++;
			fire(r, &sc, w);
			schedule_advance(w);
		}
		backlog_mark(r, backlog, t);
		for (size_t i = 0; i < sc.n; i++)
			if (sc.w[i].next < end && sc.w[i].next < due)
				due = sc.w[i].next;
		if (s->churn.set) {
			while (cs.next <= t && cs.next < end)
				churn_tick(r, &cs);
			if (cs.next < end && cs.next < due)
				due = cs.next;
		}
		if (s->restart_at >= 0 && !r->restart_done && r->o->restart_cmd && start + s->restart_at < end) {
			if (start + s->restart_at <= t)
				restart(r);
			else if (start + s->restart_at < due)
				due = start + s->restart_at;
		}
		if (t >= next_progress) {
			progress(r, "%ld/%ld updates sent, %ld succeeded, %ld failed, %.0fs of the update phase left",
				 r->sent, r->intended, r->succeeded, r->failed, end > t ? end - t : 0);
			next_progress += 10;
		}
		/* The phase ends at its time, once every tick scheduled before then has been sent
		   (those the window still holds back PHASE_GRACE later are not sent). */
		if (t >= end && (due == INFINITY || t >= end + PHASE_GRACE))
			break;
		/* Held back: wait for an answer (the loop wakes on one), not for the next tick. */
		pump(r, backlog ? t + 0.2 : due < end ? due : end);
	}
	r->t_phase_end = mono_now();
	backlog_mark(r, 0, r->t_phase_end);
	for (size_t i = 0; i < sc.n; i++)
		if (!sc.w[i].u->during_restart)
			r->not_sent += schedule_ticks_before(&sc.w[i], end);
	r->saturated = r->backlog_done >= 10 &&
		       (r->not_sent > 0 || r->backlog_seconds >= fmax(1.0, 0.05 * r->phase_len));
	if (r->saturated)
		warnf("%s %s: API server saturated at %.1f updates/s (intended %.1f/s; %ld updates not sent)", s->id,
		      r->o->arm, (double)r->backlog_done / r->backlog_seconds,
		      r->phase_len > 0 ? (double)r->intended / r->phase_len : 0.0, r->not_sent);
	schedule_free(&sc);
	free(cs.created);
}

/* ---- settle: until quiet and converged, bounded ---- */

static void settle(struct run *r)
{
	double start = mono_now(), deadline = start + r->o->settle_timeout;

	double next_summary = 0;

	wait_idle(r, deadline);
	while (!r->interrupted && mono_now() < deadline) {
		struct observed ob;
		double last = r->last_roll_seen > r->t_phase_end ? r->last_roll_seen : r->t_phase_end;
		double now = mono_now();
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
	double last = r->last_roll_seen > r->t_phase_end ? r->last_roll_seen : r->t_phase_end;
	r->g.unsettled = mono_now() - last < r->o->quiet;
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
	for (size_t i = 0; i < s->nns && rc == 0; i++)
		rc = delete_namespace(r, s->namespaces[i], r->t_start + 180, 1);
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
	observer_stop();
	r->t_end = mono_now();
	/* The next run's clean-up starts now, while this one's results are written. */
	for (size_t i = 0; o->delete_after && !r->interrupted && i < s->nns; i++)
		if (delete_namespace(r, s->namespaces[i], 0, 0) < 0)
			warnf("namespace '%s' was not deleted: the next run deletes it", s->namespaces[i]);
	if (r->restart_pid > 0) {
		/* Never leave the restart command behind. */
		kill(r->restart_pid, SIGTERM);
		while (waitpid(r->restart_pid, &r->restart_status, 0) < 0 && errno == EINTR)
			;
		r->restart_finished = mono_now();
		r->restart_pid = 0;
		graph_restart_end(&r->g, r->restart_finished);
	}
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
