/* Waiting by condition: list, then watch from the list's resourceVersion; re-list when a watch ends. */
#include "kwait.h"
#include "kobj.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <curl/curl.h>
#include <poll.h>
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

/* List s and watch it from there; 0, or -1 with why set (tried again later). */
static int list_and_watch(struct kube *k, struct source *s, struct sbuf *why)
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

int kwait(struct kube *k, const char *const *paths, size_t n, kwait_fn cond, void *ud,
	  double timeout_s, const char *what)
{
	struct source src[KWAIT_MAX_SOURCES];
	jv arrays[KWAIT_MAX_SOURCES];
	struct sbuf why = SBUF_INIT, listerr = SBUF_INIT;
	double start = mono_now(), deadline = start + timeout_s;
	int changed = 0, rc = 0, listed = 0;

	if (n == 0 || n > KWAIT_MAX_SOURCES)
		return errorf("kwait: %zu lists", n);
	for (size_t i = 0; i < n; i++)
		if (paths[i] == NULL)
			return errorf("%s: a name is not usable in an API path", what);
	for (size_t i = 0; i < n; i++) {
		src[i] = (struct source){ paths[i], jv_object(), NULL, 1, 0, &changed };
		arrays[i] = jv_invalid();
	}
	for (;;) {
		double now = mono_now();
		int all_listed = 1;
		for (size_t i = 0; i < n; i++) {
			if (src[i].relist && now >= src[i].next_list) {
				if (src[i].w) {
					kube_watch_cancel(src[i].w);
					src[i].w = NULL;
				}
				list_and_watch(k, &src[i], &listerr);
			}
			/* A condition is judged only once every list has been read. */
			if (src[i].relist && !listed)
				all_listed = 0;
		}
		if (all_listed)
			listed = 1;
		if (listed && changed) {
			changed = 0;
			for (size_t i = 0; i < n; i++) {
				jv_free(arrays[i]);
				arrays[i] = as_array(src[i].objs);
			}
			sbuf_reset(&why);
			rc = cond(arrays, ud, &why);
			if (rc != 0)
				break;
		}
		now = mono_now();
		if (now >= deadline) {
			rc = -1;
			if (why.len == 0 && listerr.len > 0)
				sbuf_add(&why, sbuf_str(&listerr));
			errorf("%s: still waiting after %.0f s%s%s", what, timeout_s, why.len ? ": " : "",
			       sbuf_str(&why));
			goto out;
		}
		double wait = deadline - now;
		int ms = wait > 0.5 ? 500 : (int)(wait * 1000) + 1;
		/* Nothing in flight (every list failed, no watch): pause before trying again. */
		if (kube_poll(k, ms) == 0)
			poll(NULL, 0, ms > 100 ? 100 : ms);
	}
	if (rc < 0)
		errorf("%s: %s", what, why.len ? sbuf_str(&why) : "failed");
out:
	for (size_t i = 0; i < n; i++) {
		if (src[i].w)
			kube_watch_cancel(src[i].w);
		jv_free(src[i].objs);
		jv_free(arrays[i]);
	}
	sbuf_free(&why);
	sbuf_free(&listerr);
	return rc > 0 ? 0 : -1;
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

int kwait_gone(struct kube *k, const char *api_version, const char *kind, const char *ns, const char *name,
	       double timeout_s, const char *what)
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
	rc = kwait(k, paths, 1, gone_cond, NULL, timeout_s, what);
	free(path);
	free(field);
	free(base);
	return rc;
}
