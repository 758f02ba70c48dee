/*
 * Kubernetes API client: requests queued and bounded on one multi handle, the loop and
 * completion. Watch streams are in kube_watch.c, a transfer's setup in kube_transfer.c.
 */
#include "kube_int.h"
#include "jsonf.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_REQUEST_MS 30000L

/* ---- request lists ---- */

void rl_push(struct rlist *l, struct req *r)
{
	r->list = l;
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

void rl_unlink(struct req *r)
{
	struct rlist *l = r->list;

	if (l == NULL)
		return;
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	l->n--;
	r->list = NULL;
	r->prev = r->next = NULL;
}

/* ---- easy handles ---- */

static CURL *handle_get(struct kube *k)
{
	if (k->npool > 0)
		return k->pool[--k->npool];
	return curl_easy_init();
}

static void handle_put(struct kube *k, CURL *h)
{
	if (h == NULL)
		return;
	if (k->npool < k->pool_cap) {
		curl_easy_reset(h);
		k->pool[k->npool++] = h;
	} else {
		curl_easy_cleanup(h);
	}
}

void req_free(struct req *r)
{
	struct kube *k = r->k;

	rl_unlink(r);
	if (r->h != NULL) {
		if (r->state == R_RUNNING)
			curl_multi_remove_handle(k->multi, r->h);
		handle_put(k, r->h);
	}
	if (r->state == R_RUNNING && !r->is_watch)
		k->inflight--;
	curl_slist_free_all(r->hdrs);
	free(r->method);
	free(r->url);
	free(r->body);
	free(r->ctype);
	free(r->rv);
	sbuf_free(&r->resp);
	free(r);
}

/* ---- starting transfers ---- */

/* Complete r now with no HTTP answer: code and why. */
static void fail(struct kube *k, struct req *r, CURLcode code, const char *why)
{
	struct kube_result res;

	memset(&res, 0, sizeof(res));
	res.code = code;
	snprintf(res.error, sizeof(res.error), "%s", why);
	res.body = (char *)"";
	res.json = jv_invalid();
	res.queued = r->queued;
	res.started = r->started;
	res.done = mono_now();
	rl_unlink(r);
	r->state = R_DONE;
	k->depth++;
	r->done(&res, r->ud);
	k->depth--;
	req_free(r);
}

static void start(struct kube *k, struct req *r)
{
	char why[256];

	rl_unlink(r);
	r->started = mono_now();
	if (cred_refresh(k) < 0) {
		snprintf(why, sizeof(why), "no credentials for user '%s' (see the message above)", k->cfg->user);
		fail(k, r, CURLE_LOGIN_DENIED, why);
		return;
	}
	r->h = handle_get(k);
	if (r->h == NULL) {
		fail(k, r, CURLE_OUT_OF_MEMORY, "cannot create a transfer");
		return;
	}
	if (req_setup(k, r) < 0) {
		fail(k, r, CURLE_OUT_OF_MEMORY, r->errbuf);
		return;
	}
	CURLMcode mc = curl_multi_add_handle(k->multi, r->h);
	if (mc != CURLM_OK) {
		fail(k, r, CURLE_FAILED_INIT, curl_multi_strerror(mc));
		return;
	}
	r->state = R_RUNNING;
	rl_push(&k->running, r);
	if (!r->is_watch)
		k->inflight++;
}

/* Start every queued watch and as many requests as max_inflight allows. */
static void top_up(struct kube *k)
{
	while (k->wqueue.head != NULL)
		start(k, k->wqueue.head);
	while (k->inflight < k->max_inflight && k->queue.head != NULL)
		start(k, k->queue.head);
}

/* ---- completion ---- */

static int is_json(CURL *h)
{
	char *ct = NULL;

	return curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct != NULL &&
	       strstr(ct, "json") != NULL;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
			return 0;
	return 1;
}

static void finish(struct kube *k, struct req *r, CURLcode code)
{
	struct kube_result res;

	if (r->cancelled) {
		req_free(r);
		return;
	}
	memset(&res, 0, sizeof(res));
	/* A stream cut inside an event: try the last line as it is. */
	if (code == CURLE_OK && r->streaming && !blank(r->resp.buf, r->resp.len)) {
		if (watch_deliver_event(r, r->resp.buf, r->resp.len) < 0)
			code = CURLE_WRITE_ERROR, r->abort_why = "watch stream ended inside an event";
	}
	res.code = code;
	if (code == CURLE_OK)
		curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &res.status);
	else
		snprintf(res.error, sizeof(res.error), "%s",
			 r->abort_why ? r->abort_why : r->errbuf[0] ? r->errbuf : curl_easy_strerror(code));
	if (r->streaming || r->resp.buf == NULL) {
		res.body = (char *)"";
	} else {
		res.body = r->resp.buf;
		res.body_len = r->resp.len;
	}
	res.json = jv_invalid();
	if (res.body_len > 0 && res.body_len <= 0x7fffffff && is_json(r->h)) {
		res.json = jv_parse_sized(res.body, (int)res.body_len);
		if (!jv_is_valid(res.json)) {
			jv_free(res.json);
			res.json = jv_invalid();
		}
	}
	res.queued = r->queued;
	res.started = r->started;
	res.done = mono_now();
	/* Rejected credentials from a plugin or a token file: ask again before the next transfer. */
	if (res.status == 401 && (k->cfg->exec != NULL || (k->cfg->token_file && !k->cfg->token)))
		k->cred.expires = 1;
	rl_unlink(r);
	curl_multi_remove_handle(k->multi, r->h);
	if (!r->is_watch)
		k->inflight--;
	r->state = R_DONE;
	k->depth++;
	r->done(&res, r->ud);
	k->depth--;
	jv_free(res.json);
	req_free(r);
}

/* After a multi handle failure nothing running can complete: fail it all. */
static void fail_running(struct kube *k, const char *why)
{
	while (k->running.head != NULL) {
		struct req *r = k->running.head;
		rl_unlink(r);
		curl_multi_remove_handle(k->multi, r->h);
		if (!r->is_watch)
			k->inflight--;
		r->state = R_QUEUED;	/* no longer in the multi handle */
		if (r->cancelled)
			req_free(r);
		else
			fail(k, r, CURLE_FAILED_INIT, why);
	}
}

static void reap_cancelled(struct kube *k)
{
	for (struct req *r = k->running.head, *next; r != NULL; r = next) {
		next = r->next;
		if (r->cancelled)
			req_free(r);
	}
}

int kube_poll(struct kube *k, int timeout_ms)
{
	CURLMcode mc;
	CURLMsg *msg;
	int running, left;

	if (k->depth > 0)
		return errorf("kube_poll: called from a callback");
	top_up(k);
	mc = curl_multi_perform(k->multi, &running);
	if (mc != CURLM_OK) {
		warnf("kube: %s", curl_multi_strerror(mc));
		fail_running(k, curl_multi_strerror(mc));
	}
	while ((msg = curl_multi_info_read(k->multi, &left)) != NULL) {
		struct req *r = NULL;
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r != NULL)
			finish(k, r, msg->data.result);
	}
	reap_cancelled(k);
	top_up(k);
	size_t pending = k->queue.n + k->wqueue.n + k->running.n;
	if (pending == 0)
		return 0;
	mc = curl_multi_poll(k->multi, NULL, 0, timeout_ms, NULL);
	if (mc != CURLM_OK && mc != CURLM_UNRECOVERABLE_POLL)
		warnf("kube: %s", curl_multi_strerror(mc));
	return (int)(k->queue.n + k->wqueue.n + k->running.n);
}

/* ---- the public face ---- */

static int valid_method(const char *m)
{
	if (m == NULL || *m == '\0' || strlen(m) > 16)
		return 0;
	for (const char *s = m; *s; s++)
		if (*s < 'A' || *s > 'Z')
			return 0;
	return 1;
}

struct req *req_new(struct kube *k, const char *method, char *url, kube_done_fn done, void *ud)
{
	struct req *r = xcalloc(1, sizeof(*r));

	r->k = k;
	r->method = xstrdup(method);
	r->url = url;
	r->done = done;
	r->ud = ud;
	r->queued = mono_now();
	return r;
}

char *req_url(const struct kube *k, const char *path, const char *query)
{
	return xasprintf("%s%s%s", k->base, path, query ? query : "");
}

int kube_request(struct kube *k, const char *method, const char *path, const char *body,
		 const char *content_type, kube_done_fn cb, void *ud)
{
	struct req *r;

	if (!valid_method(method))
		return errorf("kube: '%s' is not an HTTP method", method ? method : "");
	if (path == NULL || path[0] != '/')
		return errorf("kube: '%s' is not an API path", path ? path : "");
	if (cb == NULL)
		return errorf("kube: a request needs a callback");
	r = req_new(k, method, req_url(k, path, NULL), cb, ud);
	if (body != NULL)
		r->body = xstrdup(body);
	if (content_type != NULL)
		r->ctype = xstrdup(content_type);
	r->state = R_QUEUED;
	rl_push(&k->queue, r);
	return 0;
}

size_t kube_inflight(const struct kube *k)
{
	return k->queue.n + k->inflight;
}

size_t kube_running(const struct kube *k)
{
	return k->inflight;
}

void kube_set_timeouts(struct kube *k, long connect_ms, long request_ms)
{
	if (connect_ms > 0)
		k->connect_ms = connect_ms;
	if (request_ms > 0)
		k->request_ms = request_ms;
}

struct call {
	struct kube_result *out;
	int done;
};

static void call_done(const struct kube_result *r, void *ud)
{
	struct call *c = ud;
	struct kube_result *out = c->out;

	free(out->body);
	*out = *r;
	out->body = xmalloc(r->body_len + 1);
	memcpy(out->body, r->body, r->body_len);
	out->body[r->body_len] = '\0';
	out->json = jv_copy(r->json);
	c->done = 1;
}

int kube_call(struct kube *k, const char *method, const char *path, const char *body,
	      const char *content_type, struct kube_result *out)
{
	struct call c = { out, 0 };

	memset(out, 0, sizeof(*out));
	out->json = jv_invalid();
	out->body = xstrdup("");
	out->code = CURLE_FAILED_INIT;
	if (k->depth > 0) {
		snprintf(out->error, sizeof(out->error), "kube_call: called from a callback");
		return errorf("%s", out->error);
	}
	if (kube_request(k, method, path, body, content_type, call_done, &c) < 0) {
		snprintf(out->error, sizeof(out->error), "not a usable request");
		return -1;
	}
	/* Every request has a timeout, so this ends. */
	while (!c.done)
		kube_poll(k, 1000);
	return out->code == CURLE_OK ? 0 : -1;
}

void kube_result_free(struct kube_result *r)
{
	free(r->body);
	jv_free(r->json);
	r->body = NULL;
	r->json = jv_invalid();
}

struct kube *kube_new(const struct kubeconfig *cfg, int max_inflight)
{
	struct kube *k;

	if (max_inflight < 1) {
		errorf("kube: max_inflight must be at least 1");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errorf("kube: cannot initialise libcurl");
		return NULL;
	}
	k = xcalloc(1, sizeof(*k));
	k->cfg = cfg;
	k->max_inflight = (size_t)max_inflight;
	k->connect_ms = DEFAULT_CONNECT_MS;
	k->request_ms = DEFAULT_REQUEST_MS;
	k->pool_cap = (size_t)max_inflight + 4;
	k->pool = xcalloc(k->pool_cap, sizeof(*k->pool));
	k->multi = curl_multi_init();
	if (k->multi == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	curl_multi_setopt(k->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	/* Keep a connection per running transfer (HTTP/1.1 servers) idle between bursts. */
	curl_multi_setopt(k->multi, CURLMOPT_MAXCONNECTS, (long)max_inflight + 16);
	if (kube_plan_urls(k) < 0 || kubeconfig_credentials(cfg, &k->cred) < 0) {
		kube_free(k);
		return NULL;
	}
	return k;
}

void kube_free(struct kube *k)
{
	if (k == NULL)
		return;
	if (k->depth > 0)
		dief(EXIT_TROUBLE, "kube_free: called from a callback");
	while (k->running.head)
		req_free(k->running.head);
	while (k->queue.head)
		req_free(k->queue.head);
	while (k->wqueue.head)
		req_free(k->wqueue.head);
	while (k->npool > 0)
		curl_easy_cleanup(k->pool[--k->npool]);
	free(k->pool);
	if (k->multi)
		curl_multi_cleanup(k->multi);
	kube_cred_free(&k->cred);
	curl_slist_free_all(k->connect_to);
	free(k->base);
	free(k);
	curl_global_cleanup();
}
