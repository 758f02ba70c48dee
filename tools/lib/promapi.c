/* Prometheus instant and range queries over HTTP: retries with backoff, answers classified. */
#include "promapi.h"
#include "rfc3339.h"
#include "msg.h"
#include "num.h"
#include "prom.h"
#include "jsonf.h"
#include "wrapper.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void prom_api_init(struct prom_api *api, const char *url, struct http_client *http)
{
	memset(api, 0, sizeof(*api));
	api->url = url;
	api->shown_url = url;
	api->http = http;
	api->connect_timeout_ms = 5000;
	api->timeout_ms = 30000;
	api->tries = 3;
	api->backoff_ms = 250;
}

char *prom_error_body(const char *type, const char *msg, size_t *len)
{
	jv o = jv_object();
	char *text;

	o = jv_object_set(o, jv_string("status"), jv_string("error"));
	o = jv_object_set(o, jv_string("errorType"), jv_string(type));
	o = jv_object_set(o, jv_string("error"), jv_string(msg));
	text = json_dump(o, 0);
	jv_free(o);
	/* json_dump ends the text with a newline; Prometheus's bodies have none. */
	*len = strlen(text);
	if (*len > 0 && text[*len - 1] == '\n')
		text[--*len] = '\0';
	return text;
}

/* A short, printable excerpt of a body that is not what was expected. */
static void excerpt(const char *s, size_t len, char *out, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < len && j + 4 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c))
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		if (c == ' ' && (j == 0 || out[j - 1] == ' '))
			continue;
		out[j++] = (char)c;
	}
	while (j > 0 && out[j - 1] == ' ')
		j--;
	out[j] = '\0';
	if (i < len)
		strcpy(out + j, "...");
}

static void set_error(struct prom_answer *a, const char *type, const char *fmt, ...) LT_PRINTF(3, 4);

static void set_error(struct prom_answer *a, const char *type, const char *fmt, ...)
{
	va_list ap;

	snprintf(a->error_type, sizeof(a->error_type), "%s", type);
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	/* Prometheus's words are printed on terminals: no control character. */
	for (char *p = a->error_type; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	for (char *p = a->error; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/* Sort one HTTP exchange into *a (body, doc, outcome, error); res is only read. */
static void classify(struct http_response *res, struct prom_answer *a)
{
	const char *text = sbuf_str(&res->body);
	size_t len = res->body.len;
	long st = res->status;
	const char *why = NULL;
	jv doc;

	a->http_status = st;
	if (res->code != CURLE_OK) {
		a->outcome = PROM_UNREACHABLE;
		a->permanent = !http_transient(res->code);
		set_error(a, res->code == CURLE_OPERATION_TIMEDOUT ? "timeout" : "unavailable", "%s",
			  res->error);
		return;
	}
	/* A 4xx is an answer about the request; asking again gets the same (429 aside). */
	a->permanent = (st >= 400 && st < 500 && st != 429) || (st >= 100 && st < 200) ||
		       (st >= 300 && st < 400);
	doc = len <= 0x7fffffff ? jv_parse_sized(text, (int)len) : jv_invalid();
	if (!jv_is_valid(doc)) {
		why = "not JSON";
	} else if (prom_check_response(doc, &why) == 0) {
		const char *status = json_str(doc, "status");
		if (strcmp(status, "success") == 0 && st >= 200 && st < 300) {
			a->outcome = PROM_OK;
			a->doc = doc;
			return;
		}
		if (strcmp(status, "error") == 0) {
			const char *type = json_str(doc, "errorType"), *msg = json_str(doc, "error");
			a->outcome = PROM_ERROR;
			a->doc = doc;
			set_error(a, type ? type : "error", "%s (HTTP %ld)", msg ? msg : "no message", st);
			return;
		}
		why = "a success body with a failure status";
	}
	jv_free(doc);
	a->outcome = PROM_BAD_RESPONSE;
	char ex[64];
	excerpt(text, len, ex, sizeof(ex));
	set_error(a, "bad_response", "HTTP %ld, not a Prometheus response (%s)%s%s%s", st, why,
		  *ex ? ": '" : "", ex, *ex ? "'" : "");
}

static void answer_reset(struct prom_answer *a)
{
	jv_free(a->doc);
	free(a->body);
	memset(a, 0, sizeof(*a));
	a->doc = jv_null();
}

/* GET one API path with retries; the body of prom_query and prom_query_range. */
static int prom_get(const struct prom_api *api, const char *path, const struct http_param *params,
		    size_t nparams, struct prom_answer *a)
{
	static const char *const headers[] = { "Accept: application/json", NULL };
	char *url = http_url(api->url, path, params, nparams);
	struct http_request req = { url, api->connect_timeout_ms, api->timeout_ms, 0, headers };
	int tries = api->tries > 0 ? api->tries : 1;
	long pause = api->backoff_ms;

	memset(a, 0, sizeof(*a));
	a->doc = jv_null();
	for (int i = 1; i <= tries; i++) {
		struct http_response res;

		if (i > 1) {
			infof("%s: %s, trying again in %ld ms", a->error_type, a->error, pause);
			sleep_ms(pause);
			pause *= 2;
		}
		answer_reset(a);
		a->tries = i;
		http_get(api->http, &req, &res);
		classify(&res, a);
		if (a->outcome == PROM_OK || a->outcome == PROM_ERROR) {
			/* Prometheus's own words are kept as they came. */
			a->len = res.body.len;
			a->body = xmalloc(a->len + 1);
			memcpy(a->body, sbuf_str(&res.body), a->len + 1);
		}
		http_response_free(&res);
		if (a->outcome == PROM_OK || a->permanent)
			break;
	}
	if (a->body == NULL) {
		char msg[sizeof(a->error) + 32];
		snprintf(msg, sizeof(msg), "%s (%d %s)", a->error, a->tries, a->tries == 1 ? "try" : "tries");
		a->body = prom_error_body(a->error_type, msg, &a->len);
	}
	free(url);
	return a->outcome == PROM_OK ? 0 : -1;
}

int prom_query(const struct prom_api *api, const char *expr, const char *at, struct prom_answer *a)
{
	struct http_param params[2] = { { "query", expr }, { "time", at } };

	return prom_get(api, "api/v1/query", params, at ? 2 : 1, a);
}

int prom_query_range(const struct prom_api *api, const char *expr, const char *start, const char *end,
		     const char *step, struct prom_answer *a)
{
	struct http_param params[4] = { { "query", expr }, { "start", start }, { "end", end }, { "step", step } };

	return prom_get(api, "api/v1/query_range", params, 4, a);
}

void prom_answer_free(struct prom_answer *a)
{
	jv_free(a->doc);
	a->doc = jv_null();
	free(a->body);
	a->body = NULL;
}

int prom_parse_time(const char *s, double *out)
{
	if (*s == '\0')
		return -1;
	/* Unix seconds, decimal only (not "0x10", " 5" or "1e309"), else an RFC 3339 time. */
	if (isdigit((unsigned char)*s) && s[num_span(s)] == '\0')
		return num_double(s, out) == NULL ? 0 : -1;
	return rfc3339_parse(s, out);
}

void prom_format_time(double t, char *buf, size_t n)
{
	/* Milliseconds are Prometheus's resolution. */
	long long ms = llround(t * 1000);

	if (ms % 1000 == 0)
		snprintf(buf, n, "%lld", ms / 1000);
	else
		snprintf(buf, n, "%lld.%03lld", ms / 1000, ms % 1000);
}
