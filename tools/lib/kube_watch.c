/* Kubernetes watches: a chunked body cut into lines, each line an event for the caller. */
#include "kube_int.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

int watch_deliver_event(struct req *r, const char *line, size_t len)
{
	jv v, obj, meta;
	const char *type, *rv;

	if (len > (size_t)0x7fffffff) {
		r->abort_why = "watch event too large";
		return -1;
	}
	v = jv_parse_sized(line, (int)len);
	if (!jv_is_valid(v)) {
		jv_free(v);
		r->abort_why = "watch event is not valid JSON";
		return -1;
	}
	type = json_str(v, "type");
	obj = json_get(v, "object");
	if (type == NULL || jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		jv_free(v);
		r->abort_why = "watch event has no type or object";
		return -1;
	}
	if (strcmp(type, "ERROR") != 0) {
		meta = json_get(obj, "metadata");
		rv = json_str(meta, "resourceVersion");
		if (rv != NULL) {
			free(r->rv);
			r->rv = xstrdup(rv);
		}
		jv_free(meta);
	}
	r->k->depth++;
	r->event(type, obj, r->ud);
	r->k->depth--;
	jv_free(obj);
	jv_free(v);
	return 0;
}

/* Deliver every complete line in resp, keep the unfinished one. */
static int deliver_lines(struct req *r)
{
	size_t start = 0;
	char *buf = r->resp.buf;

	for (size_t i = r->scanned; i < r->resp.len && !r->cancelled; i++) {
		if (buf[i] != '\n')
			continue;
		size_t len = i - start;
		if (len > 0 && !(len == 1 && buf[start] == '\r') && watch_deliver_event(r, buf + start, len) < 0)
			return -1;
		start = i + 1;
	}
	if (r->cancelled)
		return -1;
	memmove(buf, buf + start, r->resp.len - start);
	r->resp.len -= start;
	buf[r->resp.len] = '\0';
	r->scanned = r->resp.len;
	return 0;
}

size_t req_on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct req *r = arg;
	size_t len = size * nmemb;
	long status = 0;

	if (r->cancelled)
		return 0;
	if (r->resp.len + len > MAX_BODY) {
		r->abort_why = r->streaming ? "watch event larger than 512 MiB" : "response larger than 512 MiB";
		return 0;
	}
	sbuf_addn(&r->resp, data, len);
	if (!r->is_watch)
		return len;
	if (!r->streaming) {
		/* An error answer is one Status object, not a stream: keep it whole. */
		curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
		if (status != 200)
			return len;
		r->streaming = 1;
	}
	return deliver_lines(r) < 0 ? 0 : len;
}

/*
 * For the fuzz harness (tests/fuzz/fuzz_watch.c) only: the watch stream parser without a
 * connection. The body is handed to the write callback in chunks of the given sizes, as
 * libcurl would after a 200. Returns 0, or -1 with *why set when the stream was aborted.
 */
int kube_watch_parse(const char *body, const size_t *chunks, size_t nchunks, kube_event_fn on_event, void *ud,
		     const char **why)
{
	struct kube k;
	struct req r;
	size_t off = 0;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	memset(&r, 0, sizeof(r));
	r.k = &k;
	r.is_watch = 1;
	r.streaming = 1;
	r.event = on_event;
	r.ud = ud;
	*why = NULL;
	for (size_t i = 0; i < nchunks && rc == 0; i++) {
		if (req_on_data((char *)body + off, 1, chunks[i], &r) != chunks[i]) {
			*why = r.abort_why;
			rc = -1;
		}
		off += chunks[i];
	}
	sbuf_free(&r.resp);
	free(r.rv);
	return rc;
}

struct kube_watch *kube_watch(struct kube *k, const char *list_path, const char *resource_version,
			      kube_event_fn on_event, kube_done_fn on_close, void *ud)
{
	struct sbuf q = SBUF_INIT;
	struct req *r;

	if (list_path == NULL || list_path[0] != '/') {
		errorf("kube: '%s' is not an API path", list_path ? list_path : "");
		return NULL;
	}
	if (on_event == NULL || on_close == NULL) {
		errorf("kube: a watch needs an event and a close callback");
		return NULL;
	}
	sbuf_add(&q, strchr(list_path, '?') ? "&watch=1" : "?watch=1");
	if (resource_version != NULL && *resource_version != '\0') {
		char *rv = curl_easy_escape(NULL, resource_version, 0);
		if (rv == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		sbuf_addf(&q, "&resourceVersion=%s", rv);
		curl_free(rv);
	}
	sbuf_add(&q, "&allowWatchBookmarks=true");
	r = req_new(k, "GET", req_url(k, list_path, sbuf_str(&q)), on_close, ud);
	sbuf_free(&q);
	r->is_watch = 1;
	r->event = on_event;
	r->state = R_QUEUED;
	rl_push(&k->wqueue, r);
	return (struct kube_watch *)r;
}

void kube_watch_cancel(struct kube_watch *w)
{
	struct req *r = (struct req *)w;

	if (r == NULL || r->state == R_DONE)
		return;
	if (r->state == R_QUEUED) {
		req_free(r);
		return;
	}
	r->cancelled = 1;
	/* Inside a callback libcurl may be running: kube_poll removes it after. */
	if (r->k->depth == 0)
		req_free(r);
}

const char *kube_watch_rv(const struct kube_watch *w)
{
	return ((const struct req *)w)->rv;
}
