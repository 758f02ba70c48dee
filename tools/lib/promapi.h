/*
 * Prometheus HTTP API client: instant and range queries with bounded retries, each answer sorted
 * into success, Prometheus error, not-Prometheus answer, or no answer at all.
 */
#ifndef LT_PROMAPI_H
#define LT_PROMAPI_H

#include <jv.h>
#include <stddef.h>
#include "http.h"

struct prom_api {
	const char *url;		/* base URL: http://host:port, or with a route prefix */
	const char *shown_url;		/* the URL for messages: without its password (http_redact_url) */
	struct http_client *http;
	long connect_timeout_ms;
	long timeout_ms;		/* per request */
	int tries;			/* attempts per query, at least 1 */
	long backoff_ms;		/* pause before the second try; doubled before each next */
};

enum prom_outcome {
	PROM_OK,		/* a well-formed success answer (maybe with no series) */
	PROM_ERROR,		/* Prometheus answered with status "error" */
	PROM_BAD_RESPONSE,	/* an HTTP answer that is not a Prometheus response */
	PROM_UNREACHABLE,	/* no HTTP answer: refused, timed out, reset */
};

struct prom_answer {
	enum prom_outcome outcome;
	/*
	 * The body to keep, malloc'd: Prometheus's own when it gave one, else a made-up
	 * {"status":"error","errorType":...,"error":...} so a reader sees a failed query.
	 */
	char *body;
	size_t len;
	jv doc;			/* the parsed body for PROM_OK and PROM_ERROR, else jv_null() */
	long http_status;	/* 0 when no HTTP answer arrived */
	int tries;
	int permanent;		/* another try would get the same answer (a 4xx, a bad URL) */
	char error_type[32];	/* Prometheus's errorType, or timeout / unavailable / bad_response */
	char error[600];	/* one line, for messages (without the count of tries) */
};

/* Defaults: 5 s to connect, 30 s per request, 3 tries, 250 ms first pause. */
void prom_api_init(struct prom_api *api, const char *url, struct http_client *http);
/*
 * GET /api/v1/query for expr, evaluated at `at` (a Prometheus timestamp text, or NULL
 * for the server's now). Returns 0 for PROM_OK, -1 for anything else; *a is filled in
 * either way and must be released with prom_answer_free.
 */
int prom_query(const struct prom_api *api, const char *expr, const char *at, struct prom_answer *a);
/*
 * GET /api/v1/query_range for expr, evaluated at start, start + step, ... up to end
 * (Prometheus timestamp texts; step a duration or seconds). The same answers and retries
 * as prom_query; a success body holds a matrix.
 */
int prom_query_range(const struct prom_api *api, const char *expr, const char *start, const char *end,
		     const char *step, struct prom_answer *a);
void prom_answer_free(struct prom_answer *a);
/* {"status":"error","errorType":type,"error":msg}, malloc'd, without a newline. */
char *prom_error_body(const char *type, const char *msg, size_t *len);
/* Unix seconds ("1767225600", "1767225600.5") or RFC 3339 ("2026-01-01T00:00:00Z"). */
int prom_parse_time(const char *s, double *out);
/* Seconds as Prometheus takes them: "1767225600" or "1767225600.25". */
void prom_format_time(double t, char *buf, size_t n);

#endif
