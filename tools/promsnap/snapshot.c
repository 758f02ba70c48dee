/*
 * The snapshot: every catalogue query at T1 over the arm's window (and, when asked, every
 * time series over the window), each answer kept as Prometheus gave it (or as an error
 * body), all files written at the end.
 */
#include "promsnap.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"
#include "wrapper.h"

#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prometheus refuses a range query of more points than this per series. */
#define MAX_POINTS 11000

/* One request: an instant query of the catalogue, or a time series. */
struct task {
	const struct query_def *q;
	const char *dir;	/* where its file goes */
	int range;		/* a time series */
};

struct outcome {
	char *body;
	size_t len;
	int failed;
};

/* What a message calls a task: "query 'x'" or "series 'x'". */
static const char *kind(const struct task *t)
{
	return t->range ? "series" : "query";
}

/* The number of series in an answer, and in *points the number of points of a matrix. */
static int series_count(jv doc, long *points)
{
	jv data = json_get(doc, "data");
	jv result = json_get(data, "result");
	int n = jv_get_kind(result) == JV_KIND_ARRAY ? jv_array_length(jv_copy(result)) : 0;

	*points = 0;
	for (int i = 0; i < n; i++) {
		jv item = jv_array_get(jv_copy(result), i);
		jv values = json_get(item, "values");
		if (jv_get_kind(values) == JV_KIND_ARRAY)
			*points += jv_array_length(jv_copy(values));
		jv_free(values);
		jv_free(item);
	}
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

static int write_all(const struct task *tasks, size_t n, struct outcome *res)
{
	sigset_t old;
	int rc = 0;

	block_signals(&old);
	for (size_t i = 0; i < n; i++) {
		char *path = fs_join(tasks[i].dir, tasks[i].q->file);
		if (fs_write_atomic(path, res[i].body, res[i].len) < 0)
			rc = -1;
		free(path);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * The seconds between a time series' points: --series-step, made longer when the window
 * would need more points than Prometheus gives (a long arm), in whole milliseconds.
 */
static double series_step(const struct opts *o)
{
	long long window = llround(o->end * 1000) - llround(o->start * 1000);
	long long step = llround(o->series_step * 1000);

	if (window / step + 1 > MAX_POINTS) {
		long long longer = (window + MAX_POINTS - 2) / (MAX_POINTS - 1);
		warnf("a time series point every %.3g s would be more than %d points over %.0f s: "
		      "recording one every %.3f s", o->series_step, MAX_POINTS, (double)window / 1000,
		      (double)longer / 1000);
		step = longer;
	}
	return (double)step / 1000;
}

/* Where the snapshot stands while its queries run. */
struct run {
	const struct prom_api *api;
	struct prom_api degraded;	/* one try a query */
	int retry;			/* 0 once a failure outlasted every try, until one succeeds */
	struct query_params qp;
	char t0[40], t1[40], step[40];
	char down[800];			/* why the server is taken as gone; "" while it answers */
	char last[700];			/* the last failure, named once however often it repeats */
	size_t nskip;
};

/* The catalogue's queries into --out, then, with --series, its time series. */
static struct task *plan_tasks(const struct opts *o, const struct query_cat *cat, size_t *n)
{
	struct task *tasks;

	*n = cat->n + (o->series_dir ? cat->ns : 0);
	tasks = xcalloc(*n, sizeof(*tasks));
	for (size_t i = 0; i < cat->n; i++)
		tasks[i] = (struct task){ &cat->q[i], o->out, 0 };
	for (size_t i = cat->n; i < *n; i++)
		tasks[i] = (struct task){ &cat->s[i - cat->n], o->series_dir, 1 };
	return tasks;
}

/*
 * Counts are read on a grid through T0 and T1 (see queries_grid_ms); its cost grows with
 * the number of steps, and times off whole seconds can make it very fine.
 */
static void note_grid(const struct opts *o, const struct query_cat *cat, const struct query_params *qp)
{
	long long grid = cat->uses_step ? queries_grid_ms(qp) : LLONG_MAX;

	if (grid < 100)
		warnf("counts are read every %lld ms, the longest step both --start and --end fall "
		      "on, which is slow; times in whole seconds avoid it", grid);
	else if (grid < llround(o->step * 1000))
		infof("counts are read every %lld ms, the longest step both --start and --end fall on",
		      grid);
}

/* A failed answer: named unless it is the same failure again (the closing line names them all). */
static void note_failure(struct run *r, const struct task *t, const struct prom_answer *a)
{
	char why[sizeof(a->error) + sizeof(a->error_type) + 2];

	snprintf(why, sizeof(why), "%s: %s", a->error_type, a->error);
	if (strcmp(why, r->last) != 0)
		errorf("%s '%s' failed: %s (%d %s)", kind(t), t->q->name, why, a->tries,
		       a->tries == 1 ? "try" : "tries");
	snprintf(r->last, sizeof(r->last), "%s", why);
}

/* Ask Prometheus for one task, its answer (or error body) into *out. */
static void ask(struct run *r, const struct task *t, const char *expr, struct outcome *out)
{
	double start = mono_now();
	/*
	 * Once a failure outlasted every try, later queries get one try each until one
	 * succeeds: the retries were spent on the same trouble.
	 */
	const struct prom_api *use = r->retry ? r->api : &r->degraded;
	struct prom_answer a;
	int ok = (t->range ? prom_query_range(use, expr, r->t0, r->t1, r->step, &a)
			   : prom_query(use, expr, r->t1, &a)) == 0;

	out->body = a.body;
	out->len = a.len;
	a.body = NULL;
	out->failed = !ok;
	if (ok) {
		long points;
		int ns = series_count(a.doc, &points);
		if (t->range)
			infof("series %s: %d series, %ld points (%.0f ms)", t->q->name, ns, points,
			      (mono_now() - start) * 1000);
		else
			infof("%s: %d series (%.0f ms)", t->q->name, ns, (mono_now() - start) * 1000);
	} else {
		note_failure(r, t, &a);
	}
	r->retry = ok || a.permanent;
	if (!ok && a.outcome == PROM_UNREACHABLE && !server_answers(r->api))
		snprintf(r->down, sizeof(r->down), "not run: Prometheus at '%s' stopped answering "
			 "(%s '%s': %s: %s)", r->api->shown_url, kind(t), t->q->name, a.error_type, a.error);
	prom_answer_free(&a);
}

static void run_task(struct run *r, const struct task *t, struct outcome *out)
{
	char *expr = queries_expand(t->q->query, &r->qp);

	if (*r->down) {
		/* Not asked: the server is gone, and each try would only wait it out again. */
		out->body = prom_error_body("unavailable", r->down, &out->len);
		out->failed = 1;
		r->nskip++;
	} else {
		ask(r, t, expr, out);
	}
	free(expr);
}

int snapshot(const struct opts *o, const struct query_cat *cat, const struct prom_api *api)
{
	size_t n, nfail = 0;
	struct task *tasks = plan_tasks(o, cat, &n);
	struct outcome *res = xcalloc(n, sizeof(*res));
	struct run r = { .api = api, .degraded = *api, .retry = 1,
			 .qp = { .job = o->job, .start = o->start, .end = o->end, .step = o->step } };
	struct sbuf failed = SBUF_INIT;
	int rc = EXIT_PASS;

	if (o->series_dir && cat->ns == 0)
		warnf("--series: the catalogue lists no time series (no 'series:')");
	r.qp.series_step = o->series_dir && cat->ns ? series_step(o) : o->series_step;
	r.degraded.tries = 1;
	prom_format_time(o->start, r.t0, sizeof(r.t0));
	prom_format_time(o->end, r.t1, sizeof(r.t1));
	prom_format_time(r.qp.series_step, r.step, sizeof(r.step));
	note_grid(o, cat, &r.qp);
	for (size_t i = 0; i < n; i++) {
		run_task(&r, &tasks[i], &res[i]);
		if (res[i].failed) {
			sbuf_addf(&failed, "%s%s%s", nfail ? ", " : "", tasks[i].range ? "series " : "",
				  tasks[i].q->name);
			nfail++;
		}
	}
	if (r.nskip)
		errorf("%zu queries not run: Prometheus at '%s' stopped answering", r.nskip, api->shown_url);
	if (write_all(tasks, n, res) < 0)
		rc = EXIT_TROUBLE;
	if (nfail) {
		errorf("%zu of %zu queries failed: %s", nfail, n, sbuf_str(&failed));
		if (rc == EXIT_PASS)
			rc = EXIT_FAILED;
	}
	for (size_t i = 0; i < n; i++)
		free(res[i].body);
	free(res);
	free(tasks);
	sbuf_free(&failed);
	return rc;
}
