/*
 * The snapshot: every catalogue query at T1 over the arm's window, each answer kept as
 * Prometheus gave it (or as an error body), all files written at the end.
 */
#include "promsnap.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct outcome {
	char *body;
	size_t len;
	int failed;
};

static int series_count(jv doc)
{
	jv data = json_get(doc, "data");
	jv result = json_get(data, "result");
	int n = jv_get_kind(result) == JV_KIND_ARRAY ? jv_array_length(jv_copy(result)) : 0;

	jv_free(result);
	jv_free(data);
	return n;
}

/*
 * After a query got no answer at all, is the server gone, or was that one query too
 * slow? Any HTTP answer to a cheap request says the server is there.
 */
static int server_answers(const struct prom_api *api)
{
	char *url = http_url(api->url, "-/healthy", NULL, 0);
	long limit = api->timeout_ms > 0 && api->timeout_ms < 5000 ? api->timeout_ms : 5000;
	struct http_request req = { url, api->connect_timeout_ms, limit, 0, NULL };
	struct http_response res;
	int rc = http_get(api->http, &req, &res);

	http_response_free(&res);
	free(url);
	return rc == 0;
}

/* Signals that would stop the process wait until every file is in place. */
static void block_signals(sigset_t *old)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int write_all(const struct opts *o, const struct query_cat *cat, struct outcome *res)
{
	sigset_t old;
	int rc = 0;

	block_signals(&old);
	for (size_t i = 0; i < cat->n; i++) {
		char *path = fs_join(o->out, cat->q[i].file);
		if (fs_write_atomic(path, res[i].body, res[i].len) < 0)
			rc = -1;
		free(path);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int snapshot(const struct opts *o, const struct query_cat *cat, const struct prom_api *api)
{
	struct query_params qp = { o->job, o->start, o->end, o->step };
	struct outcome *res = calloc(cat->n, sizeof(*res));
	struct sbuf failed = SBUF_INIT;
	struct prom_api degraded = *api;
	char t1[40], down[800] = "", last[700] = "";
	size_t nfail = 0, nskip = 0;
	int rc = EXIT_PASS, retry = 1;
	long long grid;

	if (res == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	degraded.tries = 1;
	prom_format_time(o->end, t1, sizeof(t1));
	/*
	 * Counts are read on a grid through T0 and T1 (see queries_grid_ms); its cost grows
	 * with the number of steps, and times off whole seconds can make it very fine.
	 */
	grid = cat->uses_step ? queries_grid_ms(&qp) : LLONG_MAX;
	if (grid < 100)
		warnf("counts are read every %lld ms, the longest step both --start and --end fall "
		      "on, which is slow; times in whole seconds avoid it", grid);
	else if (grid < llround(o->step * 1000))
		infof("counts are read every %lld ms, the longest step both --start and --end fall on",
		      grid);
	for (size_t i = 0; i < cat->n; i++) {
		const struct query_def *q = &cat->q[i];
		char *expr = queries_expand(q->query, &qp);
		struct prom_answer a;

		if (*down) {
			/* Not asked: the server is gone, and each try would only wait it out again. */
			res[i].body = prom_error_body("unavailable", down, &res[i].len);
			res[i].failed = 1;
			nskip++;
		} else {
			double t = promsnap_now();
			/*
			 * Once a failure outlasted every try, later queries get one try each
			 * until one succeeds: the retries were spent on the same trouble.
			 */
			int ok = prom_query(retry ? api : &degraded, expr, t1, &a) == 0;

			res[i].body = a.body;
			res[i].len = a.len;
			a.body = NULL;
			res[i].failed = !ok;
			if (ok) {
				infof("%s: %d series (%.0f ms)", q->name, series_count(a.doc),
				      (promsnap_now() - t) * 1000);
			} else {
				char why[sizeof(a.error) + sizeof(a.error_type) + 2];
				snprintf(why, sizeof(why), "%s: %s", a.error_type, a.error);
				/* The same failure again is only named in the closing line. */
				if (strcmp(why, last) != 0)
					errorf("query '%s' failed: %s (%d %s)", q->name, why, a.tries,
					       a.tries == 1 ? "try" : "tries");
				snprintf(last, sizeof(last), "%s", why);
			}
			retry = ok || a.permanent;
			if (!ok && a.outcome == PROM_UNREACHABLE && !server_answers(api))
				snprintf(down, sizeof(down), "not run: Prometheus at '%s' stopped answering "
					 "(query '%s': %s: %s)", api->url, q->name, a.error_type, a.error);
			prom_answer_free(&a);
		}
		if (res[i].failed) {
			sbuf_addf(&failed, "%s%s", nfail ? ", " : "", q->name);
			nfail++;
		}
		free(expr);
	}
	if (nskip)
		errorf("%zu queries not run: Prometheus at '%s' stopped answering", nskip, api->url);
	if (write_all(o, cat, res) < 0)
		rc = EXIT_TROUBLE;
	if (nfail) {
		errorf("%zu of %zu queries failed: %s", nfail, cat->n, sbuf_str(&failed));
		if (rc == EXIT_PASS)
			rc = EXIT_FAILED;
	}
	for (size_t i = 0; i < cat->n; i++)
		free(res[i].body);
	free(res);
	sbuf_free(&failed);
	return rc;
}
