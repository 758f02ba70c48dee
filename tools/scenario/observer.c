/* The observer: the scenario's workloads watched by label, each change handed to the graph. */
#include "observer.h"
#include "driver.h"
#include "driver_int.h"
#include "jsonf.h"
#include "kobj.h"
#include "kube.h"
#include "manifest.h"
#include "msg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_text(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

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

/* Whether the pod template tmpl (borrowed) carries annotation a. */
static int has_annotation(jv tmpl, const char *a)
{
	jv tm = json_get(tmpl, "metadata"), an = json_get(tm, "annotations");
	int has = json_str(an, a) != NULL;

	jv_free(an);
	jv_free(tm);
	return has;
}

/* Workload w as it is now (obj, borrowed): its template, paused and ready, to the graph. */
static void observe_version(struct run *r, size_t w, enum obj_kind kind, jv obj)
{
	jv spec = json_get(obj, "spec"), tmpl = json_get(spec, "template"), paused = json_get(spec, "paused");
	int annotated = r->s->expect_annotation ? has_annotation(tmpl, r->s->expect_annotation) : 0;
	long before = r->g.wl[w].rolls;
	size_t out_before = r->g.wl[w].nout;
	/* Sorted keys: the same template always gives the same text. */
	jv text = jv_dump_string(jv_copy(tmpl), JV_PRINT_SORTED);

	graph_observe(&r->g, w, hash_text(jv_string_value(text)), jv_string_value(text),
		      jv_get_kind(paused) == JV_KIND_TRUE, workload_ready(kind, obj), annotated, mono_now());
	if (r->g.wl[w].rolls != before || r->g.wl[w].nout != out_before)
		r->last_roll_seen = mono_now();
	jv_free(text);
	jv_free(paused);
	jv_free(tmpl);
	jv_free(spec);
}

static void observe(struct run *r, enum obj_kind kind, const char *type, jv obj)
{
	jv meta = json_get(obj, "metadata");
	const char *name = json_str(meta, "name"), *ns = json_str(meta, "namespace");
	long w = name && ns ? graph_find_wl(&r->g, kind, ns, name) : -1;

	if (w >= 0 && strcmp(type, "DELETED") == 0)
		graph_deleted(&r->g, (size_t)w);
	else if (w >= 0)
		observe_version(r, (size_t)w, kind, obj);
	jv_free(meta);
}

static void watch_event(const char *type, jv obj, void *ud)
{
	struct obs_watch *wc = ud;
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
			observe(wc->ob->r, wc->kind, type, obj);
	}
	jv_free(meta);
}

static void watch_closed(const struct kube_result *res, void *ud)
{
	struct obs_watch *wc = ud;

	/* Watches end (server time-outs, restarts): observer_resume goes on from the last version seen. */
	if (res->status == 410)
		wc->rv[0] = '\0';
	if (res->status == 0)
		wc->ob->r->watch_cut++;
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

/* List the workloads of wc's kind at path, observe each, and keep the list's version. */
static int list_existing(struct run *r, struct obs_watch *wc, const char *path)
{
	struct kube_result res;

	/* Listed again: its version was gone, and a change between may never be seen. */
	if (wc->listed)
		r->relists++;
	if (run_call(r, "GET", path, jv_invalid(), &res) < 0)
		return -1;
	if (res.status != 200) {
		errorf("cannot list %ss: HTTP %ld", kind_name(wc->kind), res.status);
		kube_result_free(&res);
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
	return 0;
}

/* List (when we have no version), observe what exists, then watch from the list's version. */
static int watch_start(struct run *r, struct obs_watch *wc)
{
	char *path = selector_path(r, wc->kind);

	if (wc->rv[0] == '\0' && list_existing(r, wc, path) < 0) {
		free(path);
		return -1;
	}
	wc->w = kube_watch(r->k, path, wc->rv, watch_event, watch_closed, wc);
	free(path);
	if (wc->w == NULL)
		return errorf("cannot watch %ss", kind_name(wc->kind));
	wc->active = 1;
	return 0;
}

int observer_start(struct observer *ob, struct run *r)
{
	static const enum obj_kind kinds[OBSERVER_KINDS] = { K_DEPLOYMENT, K_STATEFULSET, K_DAEMONSET };

	ob->r = r;
	for (int i = 0; i < OBSERVER_KINDS; i++) {
		memset(&ob->w[i], 0, sizeof(ob->w[i]));
		ob->w[i].ob = ob;
		ob->w[i].kind = kinds[i];
		if (watch_start(r, &ob->w[i]) < 0)
			return -1;
	}
	return 0;
}

/* 0.2 s doubling to 5 s between failed attempts; the observer is lost only after 20 failures in a row. */
void observer_resume(struct observer *ob)
{
	for (int i = 0; i < OBSERVER_KINDS; i++) {
		struct obs_watch *wc = &ob->w[i];
		if (!wc->closed || !wc->active || mono_now() < wc->retry_at)
			continue;
		ob->r->watch_restarts++;
		if (watch_start(ob->r, wc) == 0) {
			wc->closed = 0;
			continue;
		}
		if (++wc->failures > 20) {
			ob->r->watch_lost = 1;
			wc->active = 0;
			continue;
		}
		double pause = 0.2 * (double)(1 << (wc->failures < 5 ? wc->failures : 5));
		wc->retry_at = mono_now() + (pause > 5 ? 5 : pause);
	}
}

void observer_stop(struct observer *ob)
{
	for (int i = 0; i < OBSERVER_KINDS; i++) {
		ob->w[i].active = 0;
		if (ob->w[i].w)
			kube_watch_cancel(ob->w[i].w);
		ob->w[i].w = NULL;
	}
}
