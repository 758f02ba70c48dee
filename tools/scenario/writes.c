/*
 * What the driver writes to the API server as it goes, each request answered in a callback:
 * the scenario's objects created, the updates (GET, change, PUT; conflicts retried), churn.
 */
#include "driver_int.h"
#include "fingerprint.h"
#include "jsonf.h"
#include "kube.h"
#include "manifest.h"
#include "msg.h"
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void push(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
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

void create_async(struct run *r, enum obj_kind kind, const char *ns, const char *name, jv obj, long wl,
			 int churn)
{
	struct create_op *op = xcalloc(1, sizeof(*op));
	char *path = api_collection(kind, ns);
	char *text = json_dump(obj, 0);

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
void update_fire(struct run *r, struct schedule *sc, struct writer *w)
{
	long pick = schedule_pick(sc, w);

	if (pick < 0)
		return;
	struct upd_op *op = xcalloc(1, sizeof(*op));

	op->r = r;
	op->cfg = (size_t)pick;
	op->u = w->u;
	op->seq = ++r->seq;
	op->sched = w->next;
	if (r->seq > r->capsched) {
		r->capsched = r->capsched ? r->capsched * 2 : 1024;
		r->sched_of = xrealloc(r->sched_of, r->capsched * sizeof(*r->sched_of));
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

void churn_tick(struct run *r, struct churn_state *cs)
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
	cs->created = xrealloc(cs->created, (cs->ncreated + 1) * sizeof(*cs->created));
	cs->created[cs->ncreated++] = w;
	create_async(r, r->g.wl[w].kind, r->g.wl[w].ns, r->g.wl[w].name,
		     manifest_workload(&r->g.wl[w], &r->g, s->id), (long)w, 1);
	if ((long)cs->ncreated > s->churn.keep) {
		size_t old = cs->created[cs->ncreated - 1 - (size_t)s->churn.keep];
		struct create_op *op = xcalloc(1, sizeof(*op));
		op->r = r;
		op->wl = (long)old;
		char *path = api_object(r->g.wl[old].kind, r->g.wl[old].ns, r->g.wl[old].name);
		r->outstanding++;
		kube_request(r->k, "DELETE", path, NULL, NULL, churn_deleted, op);
		free(path);
	}
}

