/* Kubernetes API client: a bounded set of easy handles on one multi handle, watches as line streams. */
#include "kube.h"
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
/* A larger response is a runaway, not a Kubernetes object list we can use. */
#define MAX_BODY ((size_t)512 << 20)
/* After credentials could not be had, transfers fail at once for this long before a new try. */
#define CRED_RETRY_S 5.0
#define USER_AGENT "reloader-loadtest (libcurl)"

struct req;

struct rlist {
	struct req *head, *tail;
	size_t n;
};

enum rstate { R_QUEUED, R_RUNNING, R_DONE };

struct req {
	struct req *prev, *next;	/* in one of the kube's lists */
	struct rlist *list;
	struct kube *k;
	CURL *h;
	enum rstate state;
	int is_watch;
	int cancelled;			/* watches: no callback any more */
	int streaming;			/* watches: a 200 arrived, the body is events */
	char *method, *url, *body, *ctype;
	struct curl_slist *hdrs;
	char errbuf[CURL_ERROR_SIZE];
	const char *abort_why;		/* set when our write callback stopped the transfer */
	struct sbuf resp;		/* body; for a streaming watch, the unfinished line */
	size_t scanned;			/* watches: resp[0..scanned) holds no newline */
	char *rv;			/* watches: last resourceVersion seen */
	kube_done_fn done;
	kube_event_fn event;
	void *ud;
	double queued, started;
};

struct kube {
	const struct kubeconfig *cfg;
	CURLM *multi;
	size_t max_inflight, inflight;
	struct rlist queue, wqueue, running;
	CURL **pool;			/* idle easy handles, reused */
	size_t npool, pool_cap;
	struct kube_cred cred;
	double cred_failed;		/* mono_now() of the last failed refresh, or 0 */
	char *base;			/* URL prefix: scheme://host:port[/prefix] */
	struct curl_slist *connect_to;	/* for tls-server-name */
	long connect_ms, request_ms;
	int depth;			/* > 0 while a user callback runs */
};

/* ---- request lists ---- */

static void rl_push(struct rlist *l, struct req *r)
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

static void rl_unlink(struct req *r)
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

static void req_free(struct req *r)
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

/* ---- watch streams ---- */

static int deliver_event(struct req *r, const char *line, size_t len)
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
		if (len > 0 && !(len == 1 && buf[start] == '\r') && deliver_event(r, buf + start, len) < 0)
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

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
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
		if (on_data((char *)body + off, 1, chunks[i], &r) != chunks[i]) {
			*why = r.abort_why;
			rc = -1;
		}
		off += chunks[i];
	}
	sbuf_free(&r.resp);
	free(r.rv);
	return rc;
}

/* ---- starting transfers ---- */

static int refresh_cred(struct kube *k)
{
	struct kube_cred fresh;

	if (!kube_cred_expired(&k->cred))
		return 0;
	/* A failing plugin is not run again for every queued request. */
	if (k->cred_failed > 0 && mono_now() - k->cred_failed < CRED_RETRY_S)
		return -1;
	if (kubeconfig_credentials(k->cfg, &fresh) < 0) {
		k->cred_failed = mono_now();
		return -1;
	}
	k->cred_failed = 0;
	kube_cred_free(&k->cred);
	k->cred = fresh;
	return 0;
}

static int set_blob(CURL *h, CURLoption opt, const struct kube_blob *b)
{
	struct curl_blob blob = { b->data, b->len, CURL_BLOB_COPY };

	return curl_easy_setopt(h, opt, &blob) == CURLE_OK ? 0 : -1;
}

#define SET(opt, val) do { if (curl_easy_setopt(h, opt, val) != CURLE_OK) goto bad; } while (0)

static int setup(struct kube *k, struct req *r)
{
	const struct kubeconfig *cfg = k->cfg;
	const struct kube_cred *c = &k->cred;
	CURL *h = r->h;

	SET(CURLOPT_URL, r->url);
	SET(CURLOPT_PRIVATE, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_USERAGENT, USER_AGENT);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* Wait for a connection that may multiplex rather than open one per request. */
	SET(CURLOPT_PIPEWAIT, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_CONNECTTIMEOUT_MS, k->connect_ms);
	if (!r->is_watch) {
		SET(CURLOPT_TIMEOUT_MS, k->request_ms);
		SET(CURLOPT_ACCEPT_ENCODING, "");
	}
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, r);
	if (k->connect_to)
		SET(CURLOPT_CONNECT_TO, k->connect_to);
	if (cfg->insecure) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca.len > 0) {
		/* Only the kubeconfig's CA, as client-go: not the system's as well. */
		SET(CURLOPT_CAINFO, (char *)NULL);
		SET(CURLOPT_CAPATH, (char *)NULL);
		if (set_blob(h, CURLOPT_CAINFO_BLOB, &cfg->ca) < 0)
			goto bad;
	}
	if (c->cert.len > 0) {
		SET(CURLOPT_SSLCERTTYPE, "PEM");
		SET(CURLOPT_SSLKEYTYPE, "PEM");
		if (set_blob(h, CURLOPT_SSLCERT_BLOB, &c->cert) < 0 || set_blob(h, CURLOPT_SSLKEY_BLOB, &c->key) < 0)
			goto bad;
	}
	if (c->token) {
		SET(CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		SET(CURLOPT_XOAUTH2_BEARER, c->token);
	} else if (c->username || c->password) {
		SET(CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, c->username ? c->username : "");
		SET(CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	r->hdrs = curl_slist_append(r->hdrs, "Accept: application/json");
	/* No 100-continue round trip before a body. */
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	if (r->body) {
		char line[256];
		snprintf(line, sizeof(line), "Content-Type: %s", r->ctype ? r->ctype : "application/json");
		r->hdrs = curl_slist_append(r->hdrs, line);
		SET(CURLOPT_POSTFIELDS, r->body);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->body));
		if (strcmp(r->method, "POST") != 0)
			SET(CURLOPT_CUSTOMREQUEST, r->method);
	} else if (strcmp(r->method, "HEAD") == 0) {
		SET(CURLOPT_NOBODY, 1L);
	} else if (strcmp(r->method, "GET") != 0) {
		SET(CURLOPT_CUSTOMREQUEST, r->method);
	}
	if (r->hdrs == NULL)
		goto bad;
	SET(CURLOPT_HTTPHEADER, r->hdrs);
	return 0;
bad:
	snprintf(r->errbuf, sizeof(r->errbuf), "cannot set up the transfer (out of memory?)");
	return -1;
}

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
	if (refresh_cred(k) < 0) {
		snprintf(why, sizeof(why), "no credentials for user '%s' (see the message above)", k->cfg->user);
		fail(k, r, CURLE_LOGIN_DENIED, why);
		return;
	}
	r->h = handle_get(k);
	if (r->h == NULL) {
		fail(k, r, CURLE_OUT_OF_MEMORY, "cannot create a transfer");
		return;
	}
	if (setup(k, r) < 0) {
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
		if (deliver_event(r, r->resp.buf, r->resp.len) < 0)
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

static struct req *new_req(struct kube *k, const char *method, char *url, kube_done_fn done, void *ud)
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

static char *join_url(const struct kube *k, const char *path, const char *query)
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
	r = new_req(k, method, join_url(k, path, NULL), cb, ud);
	if (body != NULL)
		r->body = xstrdup(body);
	if (content_type != NULL)
		r->ctype = xstrdup(content_type);
	r->state = R_QUEUED;
	rl_push(&k->queue, r);
	return 0;
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
	r = new_req(k, "GET", join_url(k, list_path, sbuf_str(&q)), on_close, ud);
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

/* The URL prefix, and for tls-server-name a CONNECT_TO entry: the URL names the host that the
   certificate must match, the connection goes to the server's real address. */
static int plan_urls(struct kube *k)
{
	const struct kubeconfig *cfg = k->cfg;
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *line = NULL;
	int rc = -1;

	if (cfg->tls_server_name == NULL) {
		k->base = xstrdup(cfg->server);
		return 0;
	}
	u = curl_url();
	if (u == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, cfg->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		errorf("%s: cluster '%s': server '%s' is not a usable URL", cfg->cluster_at, cfg->cluster, cfg->server);
		goto out;
	}
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		path[--n] = '\0';
	k->base = xasprintf("%s://%s:%s%s", scheme, cfg->tls_server_name, port, path);
	line = xasprintf("%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
	k->connect_to = curl_slist_append(NULL, line);
	if (k->connect_to == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	rc = 0;
out:
	free(line);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
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
	if (plan_urls(k) < 0 || kubeconfig_credentials(cfg, &k->cred) < 0) {
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
