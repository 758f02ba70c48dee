/*
 * HTTP GET over libcurl's easy interface (7.88 APIs): URL building, timeouts, an error
 * buffer on every transfer, and the transport result kept apart from the HTTP status.
 */
#ifndef LT_HTTP_H
#define LT_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include "sbuf.h"

/* Once per process, before any other call; 0, or -1 after printing why. */
int http_global_init(void);
void http_global_cleanup(void);

struct http_param {
	const char *name;
	const char *value;
};

/*
 * base + path + "?name=value&..." with every name and value percent-encoded; a '/'
 * between base and path is neither doubled nor lost. malloc'd; exits on out of memory.
 */
char *http_url(const char *base, const char *path, const struct http_param *params, size_t n);
/* 0 when url is an absolute http:// or https:// URL; else -1 with *why set. */
int http_check_url(const char *url, const char **why);
/*
 * url for messages and files: its user information ("user:password@" before the host)
 * replaced by "***@". malloc'd; exits on out of memory. Works on any text, URL or not
 * (a bad --url is named too).
 */
char *http_redact_url(const char *url);

struct http_request {
	const char *url;
	long connect_timeout_ms;	/* 0: 10 s */
	long timeout_ms;		/* the whole transfer; 0: no limit */
	size_t max_body;		/* 0: 64 MiB; a longer body fails the transfer */
	const char *const *headers;	/* NULL-terminated "Name: value" lines, or NULL */
};

struct http_response {
	CURLcode code;			/* CURLE_OK: an HTTP answer arrived, whatever its status */
	long status;			/* HTTP status when code is CURLE_OK, else 0 */
	char error[CURL_ERROR_SIZE];	/* why, in words, when code is not CURLE_OK */
	struct sbuf body;
	double seconds;			/* time the transfer took */
	/* private to http.c */
	struct curl_slist *hdrs;
	size_t max_body;
	int too_big;
};

/*
 * Set up an easy handle for one GET into res (which must stay in place until
 * http_finish). Also for handles driven by a multi handle: prepare, add, and call
 * http_finish with the CURLcode of its CURLMSG_DONE. 0, or -1 with res filled in.
 */
int http_prepare(CURL *h, const struct http_request *req, struct http_response *res);
/* After the transfer: record code, status and the error text. */
void http_finish(CURL *h, CURLcode code, struct http_response *res);
void http_response_free(struct http_response *res);

/* A transport failure that may pass on a new try (refused, timed out, reset). */
int http_transient(CURLcode code);

/* A blocking client that reuses one handle, so the connection stays open between GETs. */
struct http_client;

struct http_client *http_client_new(void);
void http_client_free(struct http_client *c);
/*
 * One GET. Returns 0 when an HTTP answer arrived (its status is the caller's to judge),
 * -1 when none did (res->code and res->error say why). res is always filled in and
 * must be released with http_response_free.
 */
int http_get(struct http_client *c, const struct http_request *req, struct http_response *res);

#endif
