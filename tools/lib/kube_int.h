/*
 * What the Kubernetes client's files share, for them only: kube.c (the queue, the loop,
 * completion), kube_watch.c (watch streams) and kube_transfer.c (a transfer's TLS,
 * credentials and URLs).
 */
#ifndef LT_KUBE_INT_H
#define LT_KUBE_INT_H

#include "kube.h"
#include "sbuf.h"

/* A larger response is a runaway, not a Kubernetes object list we can use. */
#define MAX_BODY ((size_t)512 << 20)

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

/* ---- kube.c ---- */

void rl_push(struct rlist *l, struct req *r);
void rl_unlink(struct req *r);
/* Unlink r, hand its easy handle back, free it. */
void req_free(struct req *r);
/* A request, not yet queued; url is taken over. */
struct req *req_new(struct kube *k, const char *method, char *url, kube_done_fn done, void *ud);
/* The server's URL prefix, path and query (NULL: none), malloc'd. */
char *req_url(const struct kube *k, const char *path, const char *query);

/* ---- kube_watch.c ---- */

/* libcurl's write callback: a request's body kept, a watch's lines delivered as events. */
size_t req_on_data(char *data, size_t size, size_t nmemb, void *arg);
/* One line of a watch stream to its event callback; -1 with r->abort_why set when it is not an event. */
int watch_deliver_event(struct req *r, const char *line, size_t len);

/* ---- kube_transfer.c ---- */

/* New credentials when they have expired; -1 after printing why (not again for CRED_RETRY_S). */
int cred_refresh(struct kube *k);
/* r's easy handle set up: URL, TLS, credentials, method, body; -1 with r->errbuf set. */
int req_setup(struct kube *k, struct req *r);
/* k->base, and k->connect_to for tls-server-name; -1 after printing why. */
int kube_plan_urls(struct kube *k);

#endif
