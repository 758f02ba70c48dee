/* Waiting by condition: list, then watch from the list's resourceVersion; re-list when a watch ends. */
#include "kwait.h"
#include "kobj.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct source {
	const char *path;
	jv objs;		/* uid -> object */
	struct kube_watch *w;
	int relist;		/* the watch ended or failed: list again */
	double next_list;	/* not before this (mono_now), after a failure */
	int *changed;
};

static const char *uid_of(jv obj)
{
	jv meta = json_get(obj, "metadata");
	const char *uid = json_str(meta, "uid");

	/* The object holds the string: the pointer outlives our reference to meta. */
	jv_free(meta);
	return uid;
}

static void on_event(const char *type, jv obj, void *ud)
{
	struct source *s = ud;
	const char *uid = uid_of(obj);

	if (strcmp(type, "ERROR") == 0) {
		/* Usually 410 Gone: the version we watch from is too old. */
		kube_watch_cancel(s->w);
		s->w = NULL;
		s->relist = 1;
		return;
	}
	if (uid == NULL || strcmp(type, "BOOKMARK") == 0)
		return;
	if (strcmp(type, "DELETED") == 0)
		s->objs = jv_object_delete(s->objs, jv_string(uid));
	else
		s->objs = jv_object_set(s->objs, jv_string(uid), jv_copy(obj));
	*s->changed = 1;
}

static void on_close(const struct kube_result *r, void *ud)
{
	struct source *s = ud;

	s->w = NULL;
	s->relist = 1;
	/* A watch the server ended (its time-out) is resumed no sooner than a second after the
	   last list, so a server that ends every watch at once is not hammered; a failed one
	   after a second's pause. */
	if (!(r->code == CURLE_OK && r->status == 200))
		s->next_list = mono_now() + 1;
}

/*
 * List s and watch it from there; 0, or -1 with why set (tried again later, unless the
 * caller's list_failed says to stop: *stop set).
 */
static int list_and_watch(struct kube *k, struct source *s, struct sbuf *why, const struct kwait_opts *o,
			  int *stop)
{
	struct kube_result r;
	char msg[512];

	s->next_list = mono_now() + 1;
	kube_call(k, "GET", s->path, NULL, NULL, &r);
	jv items = json_get(r.json, "items");
	if (r.code != CURLE_OK || r.status != 200 || jv_get_kind(items) != JV_KIND_ARRAY) {
		const char *m = json_str(r.json, "message");
		if (r.code != CURLE_OK)
			snprintf(msg, sizeof(msg), "%s", r.error);
		else if (r.status != 200)
			snprintf(msg, sizeof(msg), "HTTP %ld%s%s", r.status, m ? ": " : "", m ? m : "");
		else
			snprintf(msg, sizeof(msg), "the answer holds no list");
		sbuf_reset(why);
		sbuf_addf(why, "cannot list %s: %s", s->path, msg);
		if (o && o->list_failed && o->list_failed(s->path, &r, o->ud))
			*stop = 1;
		jv_free(items);
		kube_result_free(&r);
		return -1;
	}
	jv_free(s->objs);
	s->objs = jv_object();
	jv_array_foreach(items, i, item) {
		const char *uid = uid_of(item);
		if (uid != NULL)
			s->objs = jv_object_set(s->objs, jv_string(uid), jv_copy(item));
		jv_free(item);
	}
	jv meta = json_get(r.json, "metadata");
	const char *rv = json_str(meta, "resourceVersion");
	s->w = kube_watch(k, s->path, rv, on_event, on_close, s);
	jv_free(meta);
	jv_free(items);
	kube_result_free(&r);
	s->relist = s->w == NULL;
	*s->changed = 1;
	return 0;
}

/* The cached objects of a source (uid -> object, borrowed) as an array, oldest first. */
static jv as_array(jv objs)
{
	jv arr = jv_array();

	jv_object_foreach(objs, key, val) {
		jv_free(key);
		arr = jv_array_append(arr, val);
	}
	return kobj_by_creation(arr);
}

/* One wait: its lists, what the condition said last, why a list failed last. */
struct wait {
	struct kube *k;
	struct source src[KWAIT_MAX_SOURCES];
	jv arrays[KWAIT_MAX_SOURCES];
	size_t n;
	const struct kwait_opts *o;
	struct sbuf why, listerr;
	int changed, listed, stop;
};

/* List again each source whose watch ended, once its pause is over. */
static void relist(struct wait *w)
{
	double now = mono_now();
	int all_listed = 1;

	for (size_t i = 0; i < w->n && !w->stop; i++) {
		struct source *s = &w->src[i];
		if (s->relist && now >= s->next_list) {
			if (s->w) {
				kube_watch_cancel(s->w);
				s->w = NULL;
			}
			list_and_watch(w->k, s, &w->listerr, w->o, &w->stop);
		}
		/* A condition is judged only once every list has been read. */
		if (s->relist && !w->listed)
			all_listed = 0;
	}
	if (all_listed)
		w->listed = 1;
}

/* The condition over the lists as they are now: 1 holds, 0 not yet, -1 never. */
static int judge(struct wait *w, kwait_fn cond, void *ud)
{
	w->changed = 0;
	for (size_t i = 0; i < w->n; i++) {
		jv_free(w->arrays[i]);
		w->arrays[i] = as_array(w->src[i].objs);
	}
	sbuf_reset(&w->why);
	return cond(w->arrays, ud, &w->why);
}

/* One turn of the loop: wait for the client until the deadline, half a second at most. */
static void pause_turn(struct kube *k, double deadline, double now)
{
	double wait = deadline - now;
	int ms = wait > 0.5 ? 500 : (int)(wait * 1000) + 1;

	/* Nothing in flight (every list failed, no watch): pause before trying again. */
	if (kube_poll(k, ms) == 0)
		sleep_ms(ms > 100 ? 100 : ms);
}

/* The deadline passed: say so, with what is still missing or why the lists fail. */
static int timed_out(struct wait *w, double timeout_s, const char *what)
{
	if (w->o && w->o->quiet_timeout)
		return KWAIT_TIMEOUT;
	if (w->why.len == 0 && w->listerr.len > 0)
		sbuf_add(&w->why, sbuf_str(&w->listerr));
	return errorf("%s: still waiting after %.0f s%s%s", what, timeout_s, w->why.len ? ": " : "",
		      sbuf_str(&w->why));
}

static int wait_loop(struct wait *w, kwait_fn cond, void *ud, double timeout_s, const char *what)
{
	double deadline = mono_now() + timeout_s;

	for (;;) {
		relist(w);
		if (w->stop)
			return KWAIT_STOPPED;
		if (w->listed && w->changed) {
			int rc = judge(w, cond, ud);
			if (rc > 0)
				return 0;
			if (rc < 0)
				return errorf("%s: %s", what, w->why.len ? sbuf_str(&w->why) : "failed");
		}
		double now = mono_now();
		if (now >= deadline)
			return timed_out(w, timeout_s, what);
		pause_turn(w->k, deadline, now);
		if (w->o && w->o->turn && w->o->turn(w->o->ud))
			return KWAIT_STOPPED;
	}
}

int kwait_opt(struct kube *k, const char *const *paths, size_t n, kwait_fn cond, void *ud,
	      double timeout_s, const char *what, const struct kwait_opts *opts)
{
	struct wait w = { .k = k, .n = n, .o = opts, .why = SBUF_INIT, .listerr = SBUF_INIT };

	if (n == 0 || n > KWAIT_MAX_SOURCES)
		return errorf("kwait: %zu lists", n);
	for (size_t i = 0; i < n; i++)
		if (paths[i] == NULL)
			return errorf("%s: a name is not usable in an API path", what);
	for (size_t i = 0; i < n; i++) {
		w.src[i] = (struct source){ paths[i], jv_object(), NULL, 1, 0, &w.changed };
		w.arrays[i] = jv_invalid();
	}
	int rc = wait_loop(&w, cond, ud, timeout_s, what);
	for (size_t i = 0; i < n; i++) {
		if (w.src[i].w)
			kube_watch_cancel(w.src[i].w);
		jv_free(w.src[i].objs);
		jv_free(w.arrays[i]);
	}
	sbuf_free(&w.why);
	sbuf_free(&w.listerr);
	return rc;
}

int kwait(struct kube *k, const char *const *paths, size_t n, kwait_fn cond, void *ud,
	  double timeout_s, const char *what)
{
	return kwait_opt(k, paths, n, cond, ud, timeout_s, what, NULL);
}

char *kwait_selector(const char *base, const char *param, const char *value)
{
	char *esc, *out;

	if (base == NULL)
		return NULL;
	esc = curl_easy_escape(NULL, value, 0);
	if (esc == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	out = xasprintf("%s%s%s=%s", base, strchr(base, '?') ? "&" : "?", param, esc);
	curl_free(esc);
	return out;
}

static int gone_cond(const jv *objs, void *ud, struct sbuf *why)
{
	(void)ud;
	if (jv_array_length(jv_copy(objs[0])) == 0)
		return 1;
	sbuf_add(why, "it is still terminating");
	return 0;
}

int kwait_gone_opt(struct kube *k, const char *api_version, const char *kind, const char *ns, const char *name,
		   double timeout_s, const char *what, const struct kwait_opts *opts)
{
	char *base = kobj_list_path(api_version, kind, ns), *field, *path;
	int rc;

	if (base == NULL || !kobj_name_ok(name)) {
		free(base);
		return errorf("%s: '%s' is not a usable object name", what, name);
	}
	field = xasprintf("metadata.name=%s", name);
	path = kwait_selector(base, "fieldSelector", field);
	const char *paths[] = { path };
	rc = kwait_opt(k, paths, 1, gone_cond, NULL, timeout_s, what, opts);
	free(path);
	free(field);
	free(base);
	return rc;
}

int kwait_gone(struct kube *k, const char *api_version, const char *kind, const char *ns, const char *name,
	       double timeout_s, const char *what)
{
	return kwait_gone_opt(k, api_version, kind, ns, name, timeout_s, what, NULL);
}
