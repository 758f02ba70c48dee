/*
 * An asynchronous Kubernetes API client on libcurl's multi interface (7.88 APIs): requests
 * bounded by max_inflight and queued beyond it, watches delivered event by event, one loop
 * turn per kube_poll. TLS material and credentials come from a kubeconfig and stay in memory.
 */
#ifndef LT_KUBE_H
#define LT_KUBE_H

#include <curl/curl.h>
#include <jv.h>
#include <stddef.h>
#include "kubeconfig.h"
#include "wrapper.h"	/* mono_now(), the clock of the times below */

struct kube;
struct kube_watch;

struct kube_result {
	CURLcode code;			/* CURLE_OK: an HTTP answer arrived, whatever its status */
	long status;			/* the HTTP status; 0 when code is not CURLE_OK */
	char error[CURL_ERROR_SIZE];	/* why, in words, when code is not CURLE_OK; else "" */
	char *body;			/* NUL-terminated, "" when empty */
	size_t body_len;
	jv json;			/* the body parsed when it is JSON, else jv_invalid() */
	double queued, started, done;	/* mono_now() when kube_request was called, when the
					   transfer started (left the queue), when it completed */
};

/*
 * Callbacks run inside kube_poll. They may call kube_request, kube_watch and
 * kube_watch_cancel, never kube_poll, kube_call or kube_free. What they are given is
 * borrowed for the duration of the call: copy it (jv_copy for a jv) to keep it.
 */
typedef void (*kube_done_fn)(const struct kube_result *r, void *ud);
/* One watch event: type is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR. */
typedef void (*kube_event_fn)(const char *type, jv object, void *ud);

/*
 * A client for cfg's server; cfg is borrowed and must outlive the client. TLS is verified
 * unless the kubeconfig sets insecure-skip-tls-verify; CA, client certificate and key are
 * handed to libcurl as blobs; HTTP/2 is used where the server offers it, with requests
 * multiplexed on shared connections. Credentials are fetched now (an exec plugin runs now)
 * and again, before the next transfer starts, once they expire or the server answers 401;
 * the plugin runs synchronously, holding up the loop meanwhile. max_inflight bounds
 * running requests (not watches).
 * Returns NULL after printing why.
 */
struct kube *kube_new(const struct kubeconfig *cfg, int max_inflight);
/* Must not be called from a callback. Drops queued and running transfers without callbacks. */
void kube_free(struct kube *k);
/* Connect timeout and whole-request timeout (watches have none), in ms; 0 keeps the default
   (10 s and 30 s). */
void kube_set_timeouts(struct kube *k, long connect_ms, long request_ms);

/*
 * Queue method (GET, POST, PUT, PATCH, DELETE...) on path ("/api/v1/...", query included).
 * body may be NULL; content_type NULL means application/json. cb is called exactly once,
 * from kube_poll, also when the transfer could not even start. Returns 0, or -1 (nothing
 * queued, no callback) after printing why for arguments that are not usable.
 */
int kube_request(struct kube *k, const char *method, const char *path, const char *body,
		 const char *content_type, kube_done_fn cb, void *ud);

/*
 * Watch: GET list_path?watch=1&resourceVersion=RV&allowWatchBookmarks=true (RV may be NULL
 * or ""). on_event gets each event as soon as its line is complete; on_close is called once
 * when the stream ends (status 200 for a normal end by the server; another status with the
 * server's Status as body; 0 for a transport failure or an event that is not JSON), after
 * which the watch is freed. NULL after printing why for unusable arguments.
 */
struct kube_watch *kube_watch(struct kube *k, const char *list_path, const char *resource_version,
			      kube_event_fn on_event, kube_done_fn on_close, void *ud);
/* Stop a watch: no callback for it after this call. Not after its on_close has been called. */
void kube_watch_cancel(struct kube_watch *w);
/* The resourceVersion of the last event (bookmarks included), to resume from; NULL if none. */
const char *kube_watch_rv(const struct kube_watch *w);

/*
 * One turn of the loop: start queued transfers, let libcurl work, call the callbacks of
 * what completed or streamed, then wait up to timeout_ms for activity. Returns the number
 * of requests and watches still queued or running (0: nothing to wait for; no wait then),
 * or -1 after printing why when called from a callback.
 */
int kube_poll(struct kube *k, int timeout_ms);

/*
 * Blocking: queue one request and run the loop until it completes (other transfers and
 * their callbacks progress meanwhile). out must be freed with kube_result_free. Returns 0
 * when an HTTP answer arrived (its status is the caller's to judge), else -1 with
 * out->error saying why.
 */
int kube_call(struct kube *k, const char *method, const char *path, const char *body,
	      const char *content_type, struct kube_result *out);
void kube_result_free(struct kube_result *r);

/* The watch stream parser alone, for the fuzz harness (see kube_watch.c); not used by the tools. */
int kube_watch_parse(const char *body, const size_t *chunks, size_t nchunks, kube_event_fn on_event, void *ud,
		     const char **why);

/* Requests not yet completed: queued or running (watches are not counted). */
size_t kube_inflight(const struct kube *k);
/* Requests running now: at most max_inflight. */
size_t kube_running(const struct kube *k);

#endif
