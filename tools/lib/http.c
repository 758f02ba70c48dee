/* Blocking HTTP GETs over libcurl's easy interface, with errors kept in words. */
#include "http.h"
#include "msg.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_MS 10000L
#define DEFAULT_MAX_BODY ((size_t)64 << 20)

int http_global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return errorf("cannot initialise libcurl: %s", curl_easy_strerror(rc));
	return 0;
}

void http_global_cleanup(void)
{
	curl_global_cleanup();
}

static void add_escaped(struct sbuf *sb, const char *s)
{
	/* The handle argument is ignored since libcurl 7.82. */
	char *e = curl_easy_escape(NULL, s, 0);

	if (e == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	sbuf_add(sb, e);
	curl_free(e);
}

char *http_url(const char *base, const char *path, const struct http_param *params, size_t n)
{
	struct sbuf sb = SBUF_INIT;
	size_t blen = strlen(base);

	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	sbuf_addn(&sb, base, blen);
	if (path && *path) {
		if (*path != '/')
			sbuf_add(&sb, "/");
		sbuf_add(&sb, path);
	}
	for (size_t i = 0; i < n; i++) {
		sbuf_add(&sb, i == 0 ? "?" : "&");
		add_escaped(&sb, params[i].name);
		sbuf_add(&sb, "=");
		add_escaped(&sb, params[i].value);
	}
	return sbuf_detach(&sb);
}

int http_check_url(const char *url, const char **why)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	if (u == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	*why = "not a URL";
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		*why = "only http:// and https:// URLs are supported";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || *host == '\0') {
		*why = "no host";
		goto out;
	}
	if (strchr(url, '?') || strchr(url, '#')) {
		*why = "a base URL takes no query or fragment";
		goto out;
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

char *http_redact_url(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL;
	auth = auth ? auth + 3 : url;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return xstrdup(url);
	return xasprintf("%.*s***%s", (int)(auth - url), url, at);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_response *res = arg;
	size_t n = size * nmemb;

	if (n > res->max_body - res->body.len) {
		res->too_big = 1;
		return 0;	/* libcurl fails the transfer with CURLE_WRITE_ERROR */
	}
	sbuf_addn(&res->body, data, n);
	return n;
}

/*
 * Any failing setopt is a programming error or out of memory: say which option, in the
 * `res` of the calling function.
 */
#define SET(h, opt, val) \
	do { \
		CURLcode set_rc_ = curl_easy_setopt((h), (opt), (val)); \
		if (set_rc_ != CURLE_OK) { \
			res->code = set_rc_; \
			snprintf(res->error, sizeof(res->error), "cannot set %s: %s", #opt, \
				 curl_easy_strerror(set_rc_)); \
			return -1; \
		} \
	} while (0)

int http_prepare(CURL *h, const struct http_request *req, struct http_response *res)
{
	memset(res, 0, sizeof(*res));
	res->code = CURLE_OK;
	res->max_body = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
	for (const char *const *p = req->headers; p && *p; p++) {
		struct curl_slist *l = curl_slist_append(res->hdrs, *p);
		if (l == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		res->hdrs = l;
	}
	SET(h, CURLOPT_ERRORBUFFER, res->error);
	SET(h, CURLOPT_URL, req->url);
	SET(h, CURLOPT_HTTPGET, 1L);
	SET(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* No signals: timeouts work without SIGALRM and the caller's handlers stay its own. */
	SET(h, CURLOPT_NOSIGNAL, 1L);
	SET(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : DEFAULT_CONNECT_MS);
	SET(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 0L);
	SET(h, CURLOPT_ACCEPT_ENCODING, "");
	SET(h, CURLOPT_USERAGENT, "loadtest/1 (libcurl)");
	SET(h, CURLOPT_WRITEFUNCTION, on_body);
	SET(h, CURLOPT_WRITEDATA, res);
	if (res->hdrs)
		SET(h, CURLOPT_HTTPHEADER, res->hdrs);
	return 0;
}

void http_finish(CURL *h, CURLcode code, struct http_response *res)
{
	curl_off_t us = 0;
	long status = 0;

	res->code = code;
	if (curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
		res->seconds = (double)us / 1e6;
	if (code == CURLE_OK) {
		if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
			res->status = status;
		res->error[0] = '\0';
	} else if (res->too_big) {
		snprintf(res->error, sizeof(res->error), "response larger than %zu bytes", res->max_body);
	} else if (res->error[0] == '\0') {
		snprintf(res->error, sizeof(res->error), "%s", curl_easy_strerror(code));
	}
	/* The error buffer belongs to res, which may move or go away after this. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(res->hdrs);
	res->hdrs = NULL;
}

void http_response_free(struct http_response *res)
{
	curl_slist_free_all(res->hdrs);
	res->hdrs = NULL;
	sbuf_free(&res->body);
}

int http_transient(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

struct http_client {
	CURL *h;
};

struct http_client *http_client_new(void)
{
	struct http_client *c = xcalloc(1, sizeof(*c));

	if ((c->h = curl_easy_init()) == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	return c;
}

void http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

int http_get(struct http_client *c, const struct http_request *req, struct http_response *res)
{
	/* A reset handle keeps its open connections and DNS cache, not the old options. */
	curl_easy_reset(c->h);
	if (http_prepare(c->h, req, res) < 0) {
		http_finish(c->h, res->code, res);
		return -1;
	}
	http_finish(c->h, curl_easy_perform(c->h), res);
	return res->code == CURLE_OK ? 0 : -1;
}
