/* A Kubernetes transfer's setup: the URLs (tls-server-name), TLS material and credentials on an easy handle. */
#include "kube_int.h"
#include "msg.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After credentials could not be had, transfers fail at once for this long before a new try. */
#define CRED_RETRY_S 5.0
#define USER_AGENT "reloader-loadtest (libcurl)"

int cred_refresh(struct kube *k)
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

int req_setup(struct kube *k, struct req *r)
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
	SET(CURLOPT_WRITEFUNCTION, req_on_data);
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

/* The URL prefix, and for tls-server-name a CONNECT_TO entry: the URL names the host that the
   certificate must match, the connection goes to the server's real address. */
int kube_plan_urls(struct kube *k)
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
