/* Unit tests of the scenario driver's model: patterns, files, the reference graph, the observer. */
#include "driver.h"
#include "fingerprint.h"
#include "graph.h"
#include "manifest.h"
#include "sha1.h"
#include "window.h"
#include "model.h"
#include "jsonf.h"
#include "stats.h"
#include "unit.h"

#include <limits.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_patterns(void)
{
	const char *err = NULL;
	char *s;

	s = pattern_expand("cm-{i}", 3, &err);
	CHECK_STR(s, "cm-3");
	free(s);
	s = pattern_expand("cm-{(i+1)%5}", 4, &err);
	CHECK_STR(s, "cm-0");
	free(s);
	s = pattern_expand("x-{i*2+1}-{i}", 2, &err);
	CHECK_STR(s, "x-5-2");
	free(s);
	s = pattern_expand("plain", 7, &err);
	CHECK_STR(s, "plain");
	free(s);
	CHECK(pattern_expand("cm-{j}", 1, &err) == NULL);
	CHECK(pattern_expand("cm-{i", 1, &err) == NULL);
	CHECK(pattern_expand("cm-}", 1, &err) == NULL);
	CHECK(pattern_expand("cm-{i%0}", 1, &err) == NULL);
	/* Overflow is an error of the pattern, never undefined behaviour (issue 16's inputs). */
	err = NULL;
	CHECK(pattern_expand("cm-{i*4611686018427387904}", 2, &err) == NULL);
	CHECK_STR(err, "integer overflow");
	err = NULL;
	CHECK(pattern_expand("cm-{i/(0-1)}", LONG_MIN, &err) == NULL);
	CHECK_STR(err, "integer overflow");
	err = NULL;
	CHECK(pattern_expand("cm-{i+9223372036854775807}", 1, &err) == NULL);
	CHECK_STR(err, "integer overflow");
	err = NULL;
	CHECK(pattern_expand("cm-{99999999999999999999}", 1, &err) == NULL);
	CHECK_STR(err, "number too large");
	s = pattern_expand("cm-{i%(0-1)}", LONG_MIN, &err);	/* v mod -1 is 0, even for the most negative v */
	CHECK_STR(s, "cm-0");
	free(s);
	s = pattern_expand("cm-{((((i))))}", 7, &err);
	CHECK_STR(s, "cm-7");
	free(s);
	char deep[200];
	memset(deep, '(', 40);
	snprintf(deep + 40, sizeof(deep) - 40, "i%.40s", "))))))))))))))))))))))))))))))))))))))))");
	char pat[260];
	snprintf(pat, sizeof(pat), "cm-{%s}", deep);
	err = NULL;
	CHECK(pattern_expand(pat, 1, &err) == NULL);
	CHECK_STR(err, "parentheses nested too deep");
}

static char *shipped(const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s/tools/scenario/scenarios/%s.yaml", getenv("REPO_ROOT") ? getenv("REPO_ROOT") : ".", id) < 0)
		return NULL;
	return p;
}

/* Every shipped scenario loads and expands; a few facts of the reference are checked. */
static void test_shipped(void)
{
	static const struct { const char *id; size_t ncfg, nwl; } facts[] = {
		{ "S1", 10, 10 }, { "S2", 1, 50 }, { "S3", 220, 220 }, { "S4", 10, 10 }, { "S5", 1, 0 },
		{ "S6", 20, 20 }, { "S7", 50, 50 }, { "S8", 10, 10 }, { "S9", 1, 10 }, { "S10", 10, 10 },
		{ "S11", 10, 10 }, { "S12", 10, 10 }, { "S13", 5, 5 }, { "S14", 25, 25 },
	};
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		struct scenario s;
		struct graph g;
		char *path = shipped(facts[i].id);
		int ok = scenario_load(path, &s) == 0;
		CHECK(ok);
		free(path);
		if (!ok)
			continue;
		CHECK_STR(s.id, facts[i].id);
		CHECK(graph_build(&g, &s) == 0);
		CHECK(g.ncfg == facts[i].ncfg);
		CHECK(g.nwl == facts[i].nwl);
		if (strcmp(s.id, "S13") == 0) {
			/* Every ConfigMap is referenced by two deployments. */
			for (size_t c = 0; c < g.ncfg; c++)
				CHECK(g.cfg[c].nusers == 2);
		}
		if (strcmp(s.id, "S11") == 0)
			CHECK(s.nargs == 1 && strcmp(s.controller_args[0], "--reload-strategy=annotations") == 0);
		/* S6 forgives updates lost while the controller is down; S14 demands they be caught up. */
		if (strcmp(s.id, "S6") == 0)
			CHECK(s.restart_at == 20 && !s.restart_catch_up && !s.updates[0].during_restart);
		if (strcmp(s.id, "S14") == 0)
			CHECK(s.restart_at == 20 && s.restart_catch_up && s.nupdates == 2 && !s.updates[0].during_restart &&
			      s.updates[1].during_restart && s.nargs == 2 &&
			      strcmp(s.controller_args[1], "--sync-after-restart=true") == 0);
		CHECK(s.min_rate == 0.95);
		if (strcmp(s.id, "S3") == 0 || strcmp(s.id, "S7") == 0)
			CHECK(scenario_phase(&s, 10) == 30);
		else if (strcmp(s.id, "S11") == 0)
			CHECK(scenario_phase(&s, 60) == 50);
		else
			CHECK(scenario_phase(&s, 60) == 55);
		graph_free(&g);
		scenario_free(&s);
	}
}

static int load_text(const char *text, struct scenario *s)
{
	char path[] = "/tmp/unit-scenario-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -1;
	close(fd);
	int rc = scenario_load(path, s);
	unlink(path);
	return rc;
}

static void test_bad_files(void)
{
	static const char *const bad[] = {
		"name: x\nobjects: []\n",					/* no id */
		"id: x\nobjects: []\ncolour: red\n",				/* unknown key */
		"id: x\nobjects:\n  - { kind: Pod, name: p }\n",		/* unknown kind */
		"id: x\nobjects:\n  - { kind: ConfigMap, name: c, count: 3 }\n",	/* count without {i} */
		"id: x\nobjects:\n  - { kind: ConfigMap, name: BAD }\n",	/* not a Kubernetes name */
		"id: x\nobjects:\n  - { kind: ConfigMap, name: c, refs: [ { kind: ConfigMap, name: c } ] }\n",
		"id: x\nobjects: []\nupdates:\n  - { every: soon, targets: [ { kind: ConfigMap, name: c } ] }\n",
		"id: x\nobjects: []\nupdates:\n  - { every: 1s, targets: [ { kind: Deployment, name: c } ] }\n",
		"id: x\nobjects: []\nupdates:\n  - { every: 1s, targets: [ { kind: ConfigMap, name: c } ], pick: any }\n",
		"id: x\nobjects:\n  - { kind: Deployment, name: d, refs: [ { kind: ConfigMap, name: c, via: env_key } ] }\n",
		"id: x\nnamespaces: [a, a]\nobjects: []\n",
		"id: x\nobjects: []\nrestart: { at: -3s }\n",
		/* sent only while the controller restarts, in a scenario without a restart */
		"id: x\nobjects: []\nupdates:\n  - { every: 1s, targets: [ { kind: ConfigMap, name: c } ], during: restart }\n",
		"id: x\nobjects: []\nupdates:\n  - { every: 1s, targets: [ { kind: ConfigMap, name: c } ], during: setup }\n",
		"id: x\nobjects: []\nexpect: { min_rate: 150% }\n",
		"id: x\nobjects: []\nexpect: { min_rate: fast }\n",
		"id: x\nobjects: []\nrestart: { at: 3s, catch_up: maybe }\n",
		NULL,
	};
	struct scenario s;

	for (int i = 0; bad[i]; i++)
		CHECK(load_text(bad[i], &s) < 0);
	/* A reference to an object the scenario does not create is caught when expanding. */
	CHECK(load_text("id: x\nobjects:\n  - { kind: Deployment, name: d, refs: [ { kind: ConfigMap, name: c } ] }\n",
			&s) == 0);
	struct graph g;
	CHECK(graph_build(&g, &s) < 0);
	graph_free(&g);
	scenario_free(&s);
	CHECK(load_text("id: x\nobjects: []\nexpect: { min_rate: 90% }\n", &s) == 0);
	CHECK_NUM(s.min_rate, 0.9);
	scenario_free(&s);
	CHECK(load_text("id: x\nobjects: []\nexpect: { min_rate: 0.5 }\n", &s) == 0);
	CHECK_NUM(s.min_rate, 0.5);
	scenario_free(&s);
}

static struct scenario sc;

static void create_all(struct graph *g, double sent)
{
	for (size_t w = 0; w < g->nwl; w++)
		graph_workload_created(g, w, sent, sent + 0.1);
}

/* One data change of cfg c, sent at t and acknowledged 20 ms later; no fingerprint. */
static void change(struct graph *g, long c, unsigned long seq, double t)
{
	graph_update_begin(g, (size_t)c, seq, t, NULL, (double)seq);
	graph_update_ok(g, (size_t)c, 1, seq, t, t + 0.02);
}

/* S10-like graph: expected counts follow exactly from which object changed. */
static void test_expected_and_observer(void)
{
	struct graph g;
	struct observed o;
	char *path = shipped("S10");

	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	CHECK(graph_build(&g, &sc) == 0);
	long sd1 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "secret-deploy-1");
	/* Every workload but secret-deploy-1 exists from the start. */
	for (size_t w = 0; w < g.nwl; w++)
		if ((long)w != sd1)
			graph_workload_created(&g, w, 1.0, 1.1);
	long sec0 = graph_find_cfg(&g, K_SECRET, "reloader-test", "mixed-secret-0");
	long cm1 = graph_find_cfg(&g, K_CONFIGMAP, "reloader-test", "mixed-cm-1");
	long cm4 = graph_find_cfg(&g, K_CONFIGMAP, "reloader-test", "mixed-cm-4");
	CHECK(sec0 >= 0 && cm1 >= 0 && cm4 >= 0);
	/* secret 0: secret-deploy-0 and mixed-deploy-0; cm 1: cm-deploy-1 and mixed-deploy-1; cm 4: none. */
	CHECK(g.cfg[sec0].nusers == 2 && g.cfg[cm1].nusers == 2 && g.cfg[cm4].nusers == 0);
	change(&g, sec0, 1, 10.0);
	change(&g, cm1, 2, 11.0);
	change(&g, cm4, 3, 12.0);
	graph_update_ok(&g, (size_t)cm4, 0, 4, 13.0, 13.1);	/* no-op */
	/* A write that failed leaves nothing to wait for. */
	graph_update_begin(&g, (size_t)sec0, 5, 13.5, NULL, 5);
	graph_update_failed(&g, (size_t)sec0, 5);
	graph_summary(&g, &o);
	CHECK(o.expected == 4);
	CHECK(g.skipped_expected == 1);
	CHECK(!o.converged && o.missed == 4);

	long sd0 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "secret-deploy-0");
	long md0 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "mixed-deploy-0");
	long cd1 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "cm-deploy-1");
	long md1 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "mixed-deploy-1");
	long cd2 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "cm-deploy-2");
	/* The first sight of each workload is its template as created (hash 1). */
	for (size_t w = 0; w < g.nwl; w++)
		graph_observe(&g, w, 1, NULL, 0, 1, 0, 9.0);
	graph_observe(&g, (size_t)sd0, 2, NULL, 0, 1, 0, 10.5);	/* roll: 0.5 s after the update was sent */
	graph_observe(&g, (size_t)md0, 2, NULL, 0, 1, 0, 10.7);
	graph_observe(&g, (size_t)cd1, 2, NULL, 0, 1, 0, 11.4);	/* two rolls for one update: one duplicate */
	graph_observe(&g, (size_t)cd1, 3, NULL, 0, 1, 0, 11.45);
	graph_observe(&g, (size_t)cd2, 2, NULL, 0, 1, 0, 11.5);	/* nothing it references changed: spurious */
	graph_summary(&g, &o);
	CHECK(o.rolls == 5 && o.own == 3);
	CHECK(o.missed == 1);		/* mixed-deploy-1 */
	CHECK(o.duplicate == 1);	/* cm-deploy-1 */
	CHECK(o.spurious == 2);		/* cm-deploy-1's second roll, cm-deploy-2 */
	CHECK(o.allowed == 0);
	CHECK(!o.converged);
	const char *names[4];
	CHECK(graph_unconverged(&g, names, 4) == 1);
	CHECK_STR(names[0], "mixed-deploy-1");
	graph_observe(&g, (size_t)md1, 2, NULL, 0, 1, 0, 11.9);
	graph_summary(&g, &o);
	CHECK(o.converged && o.missed == 0 && o.folded == 0);
	/* Latencies: 0.5, 0.7, 0.4, 0.9 */
	size_t n;
	double *lat = graph_latencies(&g, &n);
	struct dist d;
	dist_compute(lat, n, &d);
	free(lat);
	CHECK(d.n == 4);
	CHECK_NUM(d.max, 0.9);
	CHECK_NUM(d.p50, 0.6);
	/* A workload created after the last change started with the new data: it owes no roll. */
	long sec1 = graph_find_cfg(&g, K_SECRET, "reloader-test", "mixed-secret-1");
	change(&g, sec1, 6, 14.0);
	graph_workload_created(&g, (size_t)sd1, 14.1, 14.2);
	/* Only mixed-deploy-1, which existed and references it, waits for a roll. */
	CHECK(graph_unconverged(&g, names, 4) == 1);
	CHECK_STR(names[0], "mixed-deploy-1");
	/* An event with the template already seen (a status change, a pause) is not a roll. */
	graph_observe(&g, (size_t)md1, 2, NULL, 0, 0, 0, 12.0);
	graph_summary(&g, &o);
	CHECK(o.rolls == 6);
	graph_free(&g);
	scenario_free(&sc);
}

/* Two ConfigMaps c-0, c-1, each referenced by one deployment d-0, d-1. */
static const char pairs_yaml[] =
	"id: t\n"
	"objects:\n"
	"  - { kind: ConfigMap, name: \"c-{i}\", count: 2, data: { key: v } }\n"
	"  - { kind: Deployment, name: \"d-{i}\", count: 2, refs: [ { kind: ConfigMap, name: \"c-{i}\" } ] }\n"
	"updates:\n"
	"  - { every: 1s, targets: [ { kind: ConfigMap, name: \"c-{i}\" } ] }\n"
	"restart: { at: 5s }\n";


static void pairs(struct graph *g, long *c0, long *c1, long *d0, long *d1)
{
	CHECK(load_text(pairs_yaml, &sc) == 0);
	CHECK(graph_build(g, &sc) == 0);
	create_all(g, 1.0);
	*c0 = graph_find_cfg(g, K_CONFIGMAP, "reloader-test", "c-0");
	*c1 = graph_find_cfg(g, K_CONFIGMAP, "reloader-test", "c-1");
	*d0 = graph_find_wl(g, K_DEPLOYMENT, "reloader-test", "d-0");
	*d1 = graph_find_wl(g, K_DEPLOYMENT, "reloader-test", "d-1");
	graph_observe(g, (size_t)*d0, 100, NULL, 0, 1, 0, 2.0);
	graph_observe(g, (size_t)*d1, 200, NULL, 0, 1, 0, 2.0);
}

/* A fingerprint of 20 equal bytes b, and a template text recording it as Reloader would. */
static void fp_of(unsigned char b, unsigned char fp[20])
{
	memset(fp, b, 20);
}

static char *tmpl_with(unsigned char b)
{
	char *t = NULL;
	char hex[41];

	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", b);
	if (asprintf(&t, "{\"spec\":{\"containers\":[{\"env\":[{\"name\":\"STAKATER_C_0_CONFIGMAP\","
		     "\"value\":\"%s\"}],\"image\":\"busybox@sha256:%s%.24s\"}]}}", hex, hex, hex) < 0)
		return NULL;
	return t;
}

/*
 * Folded and missed, worked by hand. Updates 1, 2, 3 of c-0 sent at 10, 11, 12; d-0
 * rolls once at 12.5. Without fingerprints the roll is taken as update 1's own (latency
 * 2.5): updates 2 and 3 never get their own roll, but the pods restarted at 12.5 read
 * their data: folded (latencies 1.5 and 0.5). Update 4 at 20 is never answered: missed.
 */
static void test_folded_missed(void)
{
	struct graph g;
	struct observed o;
	long c0, c1, d0, d1;
	const char *names[2];

	pairs(&g, &c0, &c1, &d0, &d1);
	change(&g, c0, 1, 10.0);
	change(&g, c0, 2, 11.0);
	change(&g, c0, 3, 12.0);
	graph_observe(&g, (size_t)d0, 101, NULL, 0, 1, 0, 12.5);
	change(&g, c0, 4, 20.0);
	/* d-1 falls behind but works through its updates in order: every one gets its own roll. */
	change(&g, c1, 5, 30.0);
	change(&g, c1, 6, 30.1);
	change(&g, c1, 7, 30.2);
	graph_observe(&g, (size_t)d1, 201, NULL, 0, 1, 0, 31.0);
	graph_observe(&g, (size_t)d1, 202, NULL, 0, 1, 0, 31.1);
	graph_observe(&g, (size_t)d1, 203, NULL, 0, 1, 0, 31.2);
	graph_summary(&g, &o);
	CHECK(o.expected == 7);
	CHECK(o.rolls == 4 && o.own == 4);
	CHECK(o.folded == 2);
	CHECK(o.missed == 1);
	CHECK(o.behind == 0 && o.spurious == 0 && o.duplicate == 0);
	CHECK(!o.converged && o.workloads == 2 && o.converged_workloads == 1);
	CHECK(graph_unconverged(&g, names, 2) == 1);
	CHECK_STR(names[0], "d-0");
	size_t n;
	double *lat = graph_latencies(&g, &n);
	struct dist d;
	dist_compute(lat, n, &d);
	free(lat);
	/* 2.5 (own), 1.0 x 3 (d-1, in order), then the folded 1.5 and 0.5. */
	CHECK(d.n == 6);
	CHECK_NUM(d.max, 2.5);
	CHECK_NUM(d.p50, 1.0);
	/* Had the controller still been rolling when the observer stopped, update 4 is pending. */
	g.unsettled = 1;
	graph_summary(&g, &o);
	CHECK(o.missed == 0 && o.behind == 1 && o.behind_workloads == 1);
	CHECK(graph_unconverged(&g, names, 2) == 0);
	graph_free(&g);
	scenario_free(&sc);

	/*
	 * The same updates with fingerprints (0xa1, 0xa2, 0xa3 for updates 1-3, based on
	 * resourceVersions 100-102): d-0's roll at 12.5 records update 3's version, so it is
	 * update 3's own roll (latency 0.5) and updates 1 and 2 are folded (2.5, 1.5).
	 */
	pairs(&g, &c0, &c1, &d0, &d1);
	unsigned char fp[20];
	for (unsigned long k = 1; k <= 3; k++) {
		fp_of((unsigned char)(0xa0 + k), fp);
		graph_update_begin(&g, (size_t)c0, k, 9.0 + (double)k, fp, 99.0 + (double)k);
		graph_update_ok(&g, (size_t)c0, 1, k, 9.0 + (double)k, 9.05 + (double)k);
	}
	char *t3 = tmpl_with(0xa3), *t2 = tmpl_with(0xa2);
	graph_observe(&g, (size_t)d0, 101, t3, 0, 1, 0, 12.5);
	graph_summary(&g, &o);
	CHECK(o.own == 1 && o.folded == 2 && o.missed == 0 && o.recognised == 1);
	CHECK(o.converged && o.stale_templates == 0);
	lat = graph_latencies(&g, &n);
	dist_compute(lat, n, &d);
	free(lat);
	CHECK(d.n == 3);
	CHECK_NUM(d.max, 2.5);
	CHECK_NUM(d.p50, 1.5);
	/* A roll back to update 2's data answers nothing: spurious, and the template is stale. */
	graph_observe(&g, (size_t)d0, 102, t2, 0, 1, 0, 13.0);
	graph_summary(&g, &o);
	CHECK(o.spurious == 1 && o.allowed == 0 && o.stale_templates == 1);
	free(t3);
	free(t2);
	graph_free(&g);
	scenario_free(&sc);
}

/*
 * Updates lost while the controller was down. d-0's own roll of update 1 took 0.4 s, so
 * the old controller may still have held an update sent up to 0.4 s before the restart
 * command started at 20: the window is [19.6, 22]. Updates 2 (19.7) and 3 (21) of c-0 are
 * never answered: lost, not missed; update 4 of c-1 at 15 is missed.
 */
static void test_lost_while_down(void)
{
	struct graph g;
	struct observed o;
	long c0, c1, d0, d1;
	const char *names[2];

	pairs(&g, &c0, &c1, &d0, &d1);
	change(&g, c0, 1, 10.0);
	graph_observe(&g, (size_t)d0, 101, NULL, 0, 1, 0, 10.4);
	change(&g, c1, 4, 15.0);
	graph_restart_begin(&g, 20.0);
	change(&g, c0, 2, 19.7);
	change(&g, c0, 3, 21.0);
	graph_restart_end(&g, 22.0);
	change(&g, c1, 5, 19.5);	/* before the window: missed */
	graph_summary(&g, &o);
	CHECK(o.lost_while_down == 2);
	CHECK(o.missed == 2);
	CHECK(o.lost_workloads == 1 && o.converged_workloads == 0);
	CHECK(graph_unconverged(&g, names, 2) == 1);
	CHECK_STR(names[0], "d-1");
	/* When the scenario demands catch-up, a lost update is missed too. */
	g.catch_up = 1;
	graph_summary(&g, &o);
	CHECK(o.lost_while_down == 2 && o.missed == 4 && o.lost_workloads == 0);
	CHECK(graph_unconverged(&g, names, 2) == 2);
	/* The restarted controller catches up on d-0: update 2's own roll, update 3 folded. */
	graph_observe(&g, (size_t)d0, 102, NULL, 0, 1, 0, 23.0);
	graph_summary(&g, &o);
	CHECK(o.lost_while_down == 0 && o.missed == 2 && o.folded == 1 && o.own == 2);
	graph_free(&g);
	scenario_free(&sc);
}

/*
 * Rolls that answer no update (S5's churn). Update 1 of churn-cm is sent at 10.0; churn-0,
 * which existed, rolls at 10.3 (its own roll: the controller is 0.3 s behind at most).
 * churn-1's creation was sent at 10.1, after update 1: the controller, still answering
 * update 1, may list it and roll it (10.35): allowed. churn-2, created at 10.5, is too late
 * for that (10.0 < 10.5 - 0.3): its roll is spurious, and so is churn-1's second.
 */
static void test_allowed_spurious(void)
{
	struct graph g;
	struct observed o;
	char *path = shipped("S5");

	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	CHECK(graph_build(&g, &sc) == 0);
	long cm = graph_find_cfg(&g, K_CONFIGMAP, "reloader-test", "churn-cm");
	long w0 = graph_add_workload(&g, &sc, &sc.churn.workload, "reloader-test", 0);
	graph_workload_created(&g, (size_t)w0, 1.0, 1.05);
	graph_observe(&g, (size_t)w0, 1, NULL, 0, 1, 0, 1.06);
	graph_update_begin(&g, (size_t)cm, 1, 10.0, NULL, 50);
	graph_update_ok(&g, (size_t)cm, 1, 1, 10.0, 10.02);
	long w1 = graph_add_workload(&g, &sc, &sc.churn.workload, "reloader-test", 1);
	graph_workload_created(&g, (size_t)w1, 10.1, 10.12);
	graph_observe(&g, (size_t)w1, 1, NULL, 0, 1, 0, 10.13);
	graph_observe(&g, (size_t)w0, 2, NULL, 0, 1, 0, 10.3);
	graph_observe(&g, (size_t)w1, 2, NULL, 0, 1, 0, 10.35);
	long w2 = graph_add_workload(&g, &sc, &sc.churn.workload, "reloader-test", 2);
	graph_workload_created(&g, (size_t)w2, 10.5, 10.52);
	graph_observe(&g, (size_t)w2, 1, NULL, 0, 1, 0, 10.53);
	graph_observe(&g, (size_t)w2, 2, NULL, 0, 1, 0, 11.0);
	graph_observe(&g, (size_t)w1, 3, NULL, 0, 1, 0, 11.2);
	graph_summary(&g, &o);
	CHECK(o.own == 1 && o.allowed == 1 && o.spurious == 2);
	CHECK(o.missed == 0 && o.converged);
	struct roll_note notes[4];
	CHECK(graph_roll_notes(&g, 1, notes, 4) == 1);
	CHECK(notes[0].w == (size_t)w1 && notes[0].at == 10.35 && notes[0].cfg == -1);
	CHECK(graph_roll_notes(&g, 0, notes, 4) == 2);
	CHECK(notes[0].w == (size_t)w1 && notes[0].at == 11.2);
	CHECK(notes[1].w == (size_t)w2 && notes[1].at == 11.0);

	/*
	 * With fingerprints: update 2 (0xb2) sent at 20.0, churn-3 created at 20.1 owes it
	 * nothing, and its roll at 20.3 records exactly that version: allowed. A second roll
	 * recording the same version brings nothing new: spurious.
	 */
	unsigned char fp[20];
	fp_of(0xb2, fp);
	graph_update_begin(&g, (size_t)cm, 2, 20.0, fp, 60);
	graph_update_ok(&g, (size_t)cm, 1, 2, 20.0, 20.02);
	graph_observe(&g, (size_t)w0, 3, NULL, 0, 1, 0, 20.2);	/* churn-0's own roll of update 2 */
	long w3 = graph_add_workload(&g, &sc, &sc.churn.workload, "reloader-test", 3);
	graph_workload_created(&g, (size_t)w3, 20.1, 20.15);
	graph_observe(&g, (size_t)w3, 1, NULL, 0, 1, 0, 20.16);
	char *t = tmpl_with(0xb2);
	graph_observe(&g, (size_t)w3, 2, t, 0, 1, 0, 20.3);
	graph_summary(&g, &o);
	CHECK(o.allowed == 2 && o.spurious == 2 && o.recognised == 1);
	graph_observe(&g, (size_t)w3, 3, t, 0, 1, 0, 20.4);
	graph_summary(&g, &o);
	CHECK(o.allowed == 2 && o.spurious == 3);
	free(t);
	/* A deleted workload no longer owes a roll; one it made before the deletion still counts. */
	graph_update_begin(&g, (size_t)cm, 3, 30.0, NULL, 70);
	graph_update_ok(&g, (size_t)cm, 1, 3, 30.0, 30.02);
	graph_deleted(&g, (size_t)w0);
	graph_observe(&g, (size_t)w0, 4, NULL, 0, 1, 0, 30.2);
	graph_summary(&g, &o);
	CHECK(o.own == 3 && o.spurious == 3 && o.allowed == 2);
	graph_free(&g);
	scenario_free(&sc);

	/* After a restart the controller must catch up on, one roll per workload is allowed. */
	struct graph g2;
	long c0, c1, d0, d1;
	pairs(&g2, &c0, &c1, &d0, &d1);
	g2.catch_up = 1;
	graph_restart_begin(&g2, 20.0);
	graph_restart_end(&g2, 21.0);
	graph_observe(&g2, (size_t)d1, 201, NULL, 0, 1, 0, 21.5);
	graph_observe(&g2, (size_t)d1, 202, NULL, 0, 1, 0, 22.0);
	graph_observe(&g2, (size_t)d0, 101, NULL, 0, 1, 0, 19.0);
	graph_summary(&g2, &o);
	CHECK(o.allowed == 1 && o.spurious == 2);
	graph_free(&g2);
	scenario_free(&sc);

	/*
	 * c-0 and c-1 were created with the same data, so their first versions share one
	 * fingerprint (0xc0). A controller that re-examines everything (catch-up) records it in
	 * d-1's template: that is c-1 as created, which d-1 may be rolled to once.
	 */
	pairs(&g2, &c0, &c1, &d0, &d1);
	g2.catch_up = 1;
	fp_of(0xc0, fp);
	graph_cfg_created(&g2, (size_t)c0, fp, 0.5);
	graph_cfg_created(&g2, (size_t)c1, fp, 0.5);
	t = tmpl_with(0xc0);
	graph_observe(&g2, (size_t)d1, 201, t, 0, 1, 0, 3.0);
	graph_summary(&g2, &o);
	CHECK(o.recognised == 1 && o.allowed == 1 && o.spurious == 0);
	struct roll_note note;
	CHECK(graph_roll_notes(&g2, 1, &note, 1) == 1 && note.cfg == c1 && note.kind == ODD_NOT_OWED);
	/* Without catch-up, rolling a workload to data it started with is spurious. */
	g2.catch_up = 0;
	graph_summary(&g2, &o);
	CHECK(o.allowed == 0 && o.spurious == 1);
	free(t);
	graph_free(&g2);
	scenario_free(&sc);
}

/* A paused deployment's template changes roll out once, when it resumes (S12). */
static void test_paused(void)
{
	struct graph g;
	struct observed o;
	long c0, c1, d0, d1;

	pairs(&g, &c0, &c1, &d0, &d1);
	change(&g, c0, 1, 10.0);
	graph_observe(&g, (size_t)d0, 100, NULL, 1, 1, 0, 10.2);	/* paused, template as before */
	graph_observe(&g, (size_t)d0, 101, NULL, 1, 1, 0, 10.3);	/* update 1 while paused */
	change(&g, c0, 2, 12.0);
	graph_observe(&g, (size_t)d0, 102, NULL, 1, 1, 0, 12.3);	/* update 2 while paused */
	graph_summary(&g, &o);
	CHECK(o.rolls == 2 && o.rollouts == 0 && o.own == 2 && o.waiting_resume == 1);
	CHECK(!o.converged && o.behind_workloads == 1);
	graph_observe(&g, (size_t)d0, 102, NULL, 0, 1, 0, 25.3);	/* resumed */
	graph_summary(&g, &o);
	CHECK(o.rolls == 2 && o.rollouts == 1 && o.waiting_resume == 0 && o.converged);
	graph_free(&g);
	scenario_free(&sc);
}

static void hex(const unsigned char *b, char *out)
{
	for (int i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* SHA-1 and Reloader's fingerprint against values computed by sha1sum(1). */
static void test_fingerprint(void)
{
	unsigned char md[20];
	char h[41];
	struct sha1 c;
	jv o;

	sha1_init(&c);
	sha1_add(&c, "abc", 3);
	sha1_done(&c, md);
	hex(md, h);
	CHECK_STR(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	sha1_init(&c);
	sha1_done(&c, md);
	hex(md, h);
	CHECK_STR(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	sha1_init(&c);
	for (int i = 0; i < 1000; i++) {
		char a[1001];
		memset(a, 'a', sizeof(a));
		sha1_add(&c, a, i % 2 ? 999 : 1001);
	}
	sha1_done(&c, md);
	hex(md, h);
	CHECK_STR(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	/* printf 'key=value-7' | sha1sum */
	o = jv_parse("{\"data\":{\"key\":\"value-7\"},\"metadata\":{\"name\":\"x\"}}");
	CHECK(fingerprint_object(o, K_CONFIGMAP, md) == 0);
	hex(md, h);
	CHECK_STR(h, "7a521037577faa36a4ecea1631b0273e7460f49d");
	jv_free(o);
	/* printf 'a=x;b=y2' | sha1sum: pairs sorted, joined by ';' */
	o = jv_parse("{\"data\":{\"b\":\"y2\",\"a\":\"x\"}}");
	CHECK(fingerprint_object(o, K_CONFIGMAP, md) == 0);
	hex(md, h);
	CHECK_STR(h, "ad2a75a507a734d5c7e644df78c9e36339eb7d33");
	jv_free(o);
	/* A Secret: data decoded from base64 ("eA==" is "x"), stringData added... */
	o = jv_parse("{\"data\":{\"a\":\"eA==\"},\"stringData\":{\"b\":\"y2\"}}");
	CHECK(fingerprint_object(o, K_SECRET, md) == 0);
	hex(md, h);
	CHECK_STR(h, "ad2a75a507a734d5c7e644df78c9e36339eb7d33");
	jv_free(o);
	/* ... or overriding: printf 'a=z' | sha1sum */
	o = jv_parse("{\"data\":{\"a\":\"eA==\"},\"stringData\":{\"a\":\"z\"}}");
	CHECK(fingerprint_object(o, K_SECRET, md) == 0);
	hex(md, h);
	CHECK_STR(h, "1356079bb85ba26c1391f9199a1a4cb0d75134fd");
	jv_free(o);
	o = jv_parse("{\"data\":{\"a\":\"not base64!\"}}");
	CHECK(fingerprint_object(o, K_SECRET, md) < 0);
	jv_free(o);
	/* Only runs of exactly 40 hex digits: not a sha256 digest, not 39 digits. */
	unsigned char found[4][20];
	const char *text = "x=a9993e364706816aba3e25717850c26c9cd0d89d "
			   "sha256:a9993e364706816aba3e25717850c26c9cd0d89da9993e364706816aba3e2571 "
			   "a9993e364706816aba3e25717850c26c9cd0d89 \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"";
	CHECK(fingerprint_scan(text, found, 4) == 2);
	hex(found[0], h);
	CHECK_STR(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	hex(found[1], h);
	CHECK_STR(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

/* A run as the driver leaves it, without a cluster: 60 s update phase, all set up. */
static void fake_run(struct run *r, struct run_opts *o, const struct scenario *s)
{
	memset(o, 0, sizeof(*o));
	o->arm = "new";
	o->duration = 65;
	o->setup_timeout = 300;
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->o = o;
	CHECK(graph_build(&r->g, s) == 0);
	create_all(&r->g, 1.0);
	r->unix0 = 1700000000;
	r->t_start = 1;
	r->t_ready = 5;
	r->t_phase_start = 5;
	r->t_phase_end = 65;
	r->t_end = 70;
	r->phase_len = 60;
	r->setup_ready = 1;
	r->setup_workloads = r->setup_ready_workloads = (long)r->g.nwl;
}

static jv write_and_read(struct run *r, int *ok)
{
	char dir[] = "/tmp/unit-results-XXXXXX", out[64], exp[64];
	jv j = jv_invalid();

	CHECK(mkdtemp(dir) != NULL);
	snprintf(out, sizeof(out), "%s/run.json", dir);
	snprintf(exp, sizeof(exp), "%s/expected.json", dir);
	CHECK(run_write_results(r, out, exp, ok) == 0);
	CHECK(json_load(out, &j) == 0);
	unlink(out);
	unlink(exp);
	rmdir(dir);
	return j;
}

static const char *str_at(jv j, const char *a, const char *b, const char *c)
{
	static char buf[256];
	jv x = jv_copy(j);
	const char *path[3] = { a, b, c };

	for (int i = 0; i < 3 && path[i]; i++)
		x = jv_get_kind(x) == JV_KIND_OBJECT ? jv_object_get(x, jv_string(path[i])) : (jv_free(x), jv_invalid());
	if (jv_get_kind(x) == JV_KIND_STRING)
		snprintf(buf, sizeof(buf), "%s", jv_string_value(x));
	else if (jv_get_kind(x) == JV_KIND_TRUE || jv_get_kind(x) == JV_KIND_FALSE)
		snprintf(buf, sizeof(buf), "%s", jv_get_kind(x) == JV_KIND_TRUE ? "true" : "false");
	else if (jv_get_kind(x) == JV_KIND_NUMBER)
		snprintf(buf, sizeof(buf), "%g", jv_number_value(x));
	else
		snprintf(buf, sizeof(buf), "(absent)");
	jv_free(x);
	return buf;
}

static int problems_mention(jv j, const char *text)
{
	jv p = jv_object_get(jv_copy(j), jv_string("problems"));
	int found = 0;

	for (int i = 0; jv_get_kind(p) == JV_KIND_ARRAY && i < jv_array_length(jv_copy(p)); i++) {
		jv e = jv_array_get(jv_copy(p), i);
		found |= jv_get_kind(e) == JV_KIND_STRING && strstr(jv_string_value(e), text) != NULL;
		jv_free(e);
	}
	jv_free(p);
	return found;
}

/* run.json's checks: each says what was measured and what was required; a failure is a problem. */
static void test_results(void)
{
	struct run r;
	struct run_opts o;
	int ok;
	jv j;
	char *path = shipped("S12");

	/* S12: 25 data changes, 26 rollouts: the pause folded nothing. */
	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	fake_run(&r, &o, &sc);
	r.intended = 30;
	r.sent = r.succeeded = 25;
	long c0 = graph_find_cfg(&r.g, K_CONFIGMAP, "reloader-test", "pause-cm-0");
	long d0 = graph_find_wl(&r.g, K_DEPLOYMENT, "reloader-test", "pause-deploy-0");
	graph_observe(&r.g, (size_t)d0, 1, NULL, 0, 1, 0, 4.0);
	for (unsigned long k = 1; k <= 25; k++) {
		change(&r.g, c0, k, 5.0 + (double)k);
		graph_observe(&r.g, (size_t)d0, 1 + k, NULL, 0, 1, 0, 5.5 + (double)k);
	}
	graph_observe(&r.g, (size_t)d0, 100, NULL, 0, 1, 0, 40.0);
	j = write_and_read(&r, &ok);
	CHECK(!ok);
	CHECK_STR(str_at(j, "ok", NULL, NULL), "false");
	CHECK_STR(str_at(j, "checks", "fewer_rolls_than_updates", "ok"), "false");
	CHECK_STR(str_at(j, "checks", "fewer_rolls_than_updates", "value"),
		  "26 rollouts for 25 data changes (26 template changes)");
	CHECK(problems_mention(j, "26 rollouts for 25 data changes"));
	/* 25 of 30 is 83%: below the 95% the scenario demands by default. */
	CHECK_STR(str_at(j, "checks", "rate_reached", "ok"), "false");
	CHECK_STR(str_at(j, "checks", "rate_reached", "value"), "0.4/s (25 of 30 updates)");
	CHECK_STR(str_at(j, "checks", "rate_reached", "required"), ">= 95% of the intended 0.5/s");
	CHECK(problems_mention(j, "the intended rate was not reached"));
	CHECK_STR(str_at(j, "checks", "setup_ready", "ok"), "true");
	CHECK_STR(str_at(j, "checks", "observer_complete", "ok"), "true");
	CHECK_STR(str_at(j, "observed", "rollouts", NULL), "26");
	CHECK_STR(str_at(j, "observed", "spurious", NULL), "1");
	CHECK_STR(str_at(j, "observed", "expected_rolls", NULL), "(absent)");
	jv_free(j);
	graph_free(&r.g);
	scenario_free(&sc);

	/* S11: one rolled workload of two lacks the annotation; the rate is reached. */
	path = shipped("S11");
	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	fake_run(&r, &o, &sc);
	r.intended = r.sent = r.succeeded = 2;
	for (int i = 0; i < 2; i++) {
		char name[32];
		snprintf(name, sizeof(name), "annot-cm-%d", i);
		long c = graph_find_cfg(&r.g, K_CONFIGMAP, "reloader-test", name);
		snprintf(name, sizeof(name), "annot-deploy-%d", i);
		long d = graph_find_wl(&r.g, K_DEPLOYMENT, "reloader-test", name);
		graph_observe(&r.g, (size_t)d, 1, NULL, 0, 1, 0, 4.0);
		change(&r.g, c, (unsigned long)i + 1, 10.0);
		graph_observe(&r.g, (size_t)d, 2, NULL, 0, 1, i == 0, 10.5);
	}
	j = write_and_read(&r, &ok);
	CHECK(!ok);
	CHECK_STR(str_at(j, "checks", "annotation_present", "ok"), "false");
	CHECK_STR(str_at(j, "checks", "annotation_present", "value"), "1 of 2 rolled workloads lack it");
	CHECK(problems_mention(j, "a rolled workload lacks the annotation"));
	CHECK_STR(str_at(j, "checks", "rate_reached", "ok"), "true");
	CHECK_STR(str_at(j, "observed", "annotation_missing", NULL), "1");
	CHECK_STR(str_at(j, "observed", "missed", NULL), "0");
	jv_free(j);
	graph_free(&r.g);
	scenario_free(&sc);

	/* S14: the restart command failed, nothing was sent while down. */
	path = shipped("S14");
	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	fake_run(&r, &o, &sc);
	char *cmd[] = { "restart", NULL };
	o.restart_cmd = cmd;
	r.restart_done = 1;
	r.restart_at = 25;
	r.restart_finished = 26;
	r.restart_status = 1 << 8;	/* exited with status 1 */
	j = write_and_read(&r, &ok);
	CHECK(!ok);
	CHECK_STR(str_at(j, "checks", "restart_happened", "ok"), "false");
	CHECK_STR(str_at(j, "checks", "restart_happened", "value"), "the restart command exited with status 1");
	CHECK_STR(str_at(j, "checks", "updates_while_down", "ok"), "false");
	CHECK_STR(str_at(j, "observed", "lost_while_down", NULL), "0");
	CHECK_STR(str_at(j, "updates", "sent_while_down", NULL), "0");
	CHECK(problems_mention(j, "the controller was not restarted"));
	jv_free(j);
	/* ... and now it worked: the run is ok. */
	r.restart_status = 0;
	r.sent_while_down = 12;
	j = write_and_read(&r, &ok);
	CHECK(ok);
	CHECK_STR(str_at(j, "checks", "restart_happened", "value"), "restarted 20.0 s into the update phase; back after 1.0 s");
	jv probs = jv_object_get(jv_copy(j), jv_string("problems"));
	CHECK(jv_get_kind(probs) == JV_KIND_ARRAY && jv_array_length(jv_copy(probs)) == 0);
	jv_free(probs);
	jv_free(j);
	graph_free(&r.g);
	scenario_free(&sc);
}

static void test_targets_and_manifests(void)
{
	struct graph g;
	char *path = shipped("S13");
	size_t n;

	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	CHECK(graph_build(&g, &sc) == 0);
	size_t *t = graph_targets(&g, &sc.updates[0], 0, &n);
	CHECK(n == 5);
	free(t);
	/* complex-deploy-4 references complex-cm-4 in four ways and complex-cm-0 through the projected volume. */
	long w = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "complex-deploy-4");
	jv m = manifest_workload(&g.wl[w], &g, "S13");
	char *text = json_dump(m, 0);
	CHECK(strstr(text, "\"initContainers\"") != NULL);
	CHECK(strstr(text, "\"configMapKeyRef\":{\"name\":\"complex-cm-4\",\"key\":\"key1\"}") != NULL);
	CHECK(strstr(text, "\"sources\":[{\"configMap\":{\"name\":\"complex-cm-4\"}},{\"configMap\":{\"name\":\"complex-cm-0\"}}]") != NULL);
	CHECK(strstr(text, "\"reloader.stakater.com/auto\":\"true\"") != NULL);
	CHECK(strstr(text, "\"terminationGracePeriodSeconds\":0") != NULL);
	free(text);
	jv_free(m);
	/* An update changes the listed keys only; a no-op changes only an annotation. */
	jv cm = manifest_cfg(&g.cfg[0], "S13");
	jv changed = manifest_change(jv_copy(cm), K_CONFIGMAP, &sc.updates[0], 7);
	text = json_dump(changed, 0);
	CHECK(strstr(text, "\"key1\":\"value-7\"") != NULL);
	CHECK(strstr(text, "\"key2\":\"value2\"") != NULL);
	CHECK(strstr(text, "\"config\":\"value-7\"") != NULL);
	free(text);
	jv_free(changed);
	struct update_spec noop = sc.updates[0];
	noop.change = CH_NOOP;
	changed = manifest_change(jv_copy(cm), K_CONFIGMAP, &noop, 8);
	jv before = jv_object_get(jv_copy(cm), jv_string("data"));
	jv after = jv_object_get(jv_copy(changed), jv_string("data"));
	CHECK(jv_equal(before, after));
	jv_free(changed);
	jv_free(cm);
	graph_free(&g);
	scenario_free(&sc);
}

/*
 * A server that works on `par` requests at once, each taking `base` seconds: with n in
 * flight an answer takes base * max(1, n / par), and it answers min(n, par) / base a
 * second. The driver always has more to send (overload): the window is full.
 */
static double serve(struct window *win, double base, int par, double t, double seconds, double *w_lo, double *w_hi,
		    double *rate)
{
	double end = t + seconds, done = 0;

	*w_lo = 1e9;
	*w_hi = 0;
	while (t < end) {
		int n = window_allowed(win);
		double service = base * (n > par ? (double)n / par : 1.0);
		t += service / n;
		window_ok(win, service, 1, t);
		done++;
		if (window_allowed(win) < *w_lo)
			*w_lo = window_allowed(win);
		if (window_allowed(win) > *w_hi)
			*w_hi = window_allowed(win);
	}
	*rate = done / seconds;
	return t;
}

static void test_window(void)
{
	struct window win;
	double lo, hi, rate, t;

	/* Overload: the window keeps the server busy (throughput at its capacity of 400/s, base
	   10 ms, 4 at once) and stops growing where the service time passes the tolerance. */
	window_init(&win, WINDOW_START, 1024, 0);
	t = serve(&win, 0.010, 4, 0, 10, &lo, &hi, &rate);
	t = serve(&win, 0.010, 4, t, 20, &lo, &hi, &rate);
	CHECK(lo >= 4);		/* never below what keeps the server busy ... */
	CHECK(hi <= (WINDOW_TOLERANCE * 0.010 + WINDOW_SLACK) / 0.010 * 4 + 2);	/* ... nor past the tolerance */
	CHECK(hi < 1024);
	CHECK(rate >= 0.95 * 400);
	CHECK(win.cuts_latency > 0);
	CHECK(win.slow_start == 0);

	/* Overload answers halve it, once per service time; never below 1. */
	window_init(&win, 64, 256, 0);
	window_ok(&win, 0.010, 1, 0.001);
	window_overload(&win, 0.002);
	CHECK(window_allowed(&win) == 32);
	window_overload(&win, 0.003);	/* within one service time of the cut: no second cut */
	CHECK(window_allowed(&win) == 32);
	CHECK(win.cuts_error == 1);
	for (int i = 0; i < 20; i++)
		window_overload(&win, 1.0 + i);
	CHECK(window_allowed(&win) == 1);
	CHECK(win.w_min <= 1 && win.w_max >= 65);

	/* It grows only while it is what holds the driver back; up to its bound at most. */
	window_init(&win, 16, 20, 0);
	for (int i = 0; i < 100; i++)
		window_ok(&win, 0.010, 0, 0.01 * i);
	CHECK(window_allowed(&win) == 16);
	for (int i = 0; i < 100; i++)
		window_ok(&win, 0.010, 1, 1 + 0.01 * i);
	CHECK(window_allowed(&win) == 20);
	window_init(&win, 300, 20, 0);
	CHECK(window_allowed(&win) == 20);

	/* A server that becomes 3 times slower for good: after two periods the new service time
	   is the baseline, and the window keeps that server busy again. */
	window_init(&win, WINDOW_START, 256, 0);
	t = serve(&win, 0.010, 4, 0, 20, &lo, &hi, &rate);
	t = serve(&win, 0.030, 4, t, 2 * WINDOW_PERIOD + 5, &lo, &hi, &rate);
	t = serve(&win, 0.030, 4, t, 10, &lo, &hi, &rate);
	CHECK(lo >= 4);
	CHECK(rate >= 0.95 * 4 / 0.030);
}

int main(void)
{
	test_window();
	test_patterns();
	test_shipped();
	test_bad_files();
	test_expected_and_observer();
	test_folded_missed();
	test_lost_while_down();
	test_allowed_spurious();
	test_paused();
	test_fingerprint();
	test_results();
	test_targets_and_manifests();
	UNIT_DONE("test_scenario");
}
