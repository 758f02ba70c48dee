/* Unit tests of the scenario driver's model: patterns, files, the reference graph, the observer. */
#include "graph.h"
#include "manifest.h"
#include "model.h"
#include "jsonf.h"
#include "stats.h"
#include "unit.h"

#include <stdlib.h>
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
		{ "S11", 10, 10 }, { "S12", 10, 10 }, { "S13", 5, 5 },
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
}

static struct scenario sc;

/* S10-like graph: expected counts follow exactly from which object changed. */
static void test_expected_and_observer(void)
{
	struct graph g;
	struct observed o;
	char *path = shipped("S10");

	CHECK(scenario_load(path, &sc) == 0);
	free(path);
	CHECK(graph_build(&g, &sc) == 0);
	for (size_t w = 0; w < g.nwl; w++)
		g.wl[w].exists = 1;
	long sec0 = graph_find_cfg(&g, K_SECRET, "reloader-test", "mixed-secret-0");
	long cm1 = graph_find_cfg(&g, K_CONFIGMAP, "reloader-test", "mixed-cm-1");
	long cm4 = graph_find_cfg(&g, K_CONFIGMAP, "reloader-test", "mixed-cm-4");
	CHECK(sec0 >= 0 && cm1 >= 0 && cm4 >= 0);
	/* secret 0: secret-deploy-0 and mixed-deploy-0; cm 1: cm-deploy-1 and mixed-deploy-1; cm 4: none. */
	CHECK(g.cfg[sec0].nusers == 2 && g.cfg[cm1].nusers == 2 && g.cfg[cm4].nusers == 0);
	graph_update_begin(&g, (size_t)sec0, 1, 10.0);
	graph_update_ok(&g, (size_t)sec0, 1, 10.0, 10.1);
	graph_update_begin(&g, (size_t)cm1, 2, 11.0);
	graph_update_ok(&g, (size_t)cm1, 1, 11.0, 11.1);
	graph_update_begin(&g, (size_t)cm4, 3, 12.0);
	graph_update_ok(&g, (size_t)cm4, 1, 12.0, 12.1);
	graph_update_ok(&g, (size_t)cm4, 0, 13.0, 13.1);	/* no-op */
	/* A write that failed leaves nothing to wait for. */
	graph_update_begin(&g, (size_t)sec0, 4, 13.5);
	graph_update_failed(&g, (size_t)sec0, 4);
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
		graph_observe(&g, w, 1, 1, 0, 9.0);
	graph_observe(&g, (size_t)sd0, 2, 1, 0, 10.5);	/* roll: 0.5 s after the update was sent */
	graph_observe(&g, (size_t)md0, 2, 1, 0, 10.7);
	graph_observe(&g, (size_t)cd1, 2, 1, 0, 11.4);	/* two rolls for one update: one duplicate */
	graph_observe(&g, (size_t)cd1, 3, 1, 0, 11.45);
	graph_observe(&g, (size_t)cd2, 2, 1, 0, 11.5);	/* nothing it references changed: spurious */
	graph_summary(&g, &o);
	CHECK(o.rolls == 5);
	CHECK(o.missed == 1);		/* mixed-deploy-1 */
	CHECK(o.duplicate == 1);	/* cm-deploy-1 */
	CHECK(o.spurious == 2);		/* cm-deploy-1's second roll, cm-deploy-2 */
	CHECK(!o.converged);
	const char *names[4];
	CHECK(graph_unconverged(&g, names, 4) == 1);
	CHECK_STR(names[0], "mixed-deploy-1");
	graph_observe(&g, (size_t)md1, 2, 1, 0, 11.9);
	graph_summary(&g, &o);
	CHECK(o.converged && o.missed == 0);
	/* Latencies: 0.5, 0.7, 0.4, 0.9 */
	struct dist d;
	dist_compute(g.lat, g.nlat, &d);
	CHECK(d.n == 4);
	CHECK_NUM(d.max, 0.9);
	CHECK_NUM(d.p50, 0.6);
	/* A workload created after the last change started with the new data: it owes no roll. */
	long sd1 = graph_find_wl(&g, K_DEPLOYMENT, "reloader-test", "secret-deploy-1");
	g.wl[sd1].exists = 0;
	long sec1 = graph_find_cfg(&g, K_SECRET, "reloader-test", "mixed-secret-1");
	graph_update_begin(&g, (size_t)sec1, 5, 14.0);
	graph_update_ok(&g, (size_t)sec1, 1, 14.0, 14.1);
	g.wl[sd1].exists = 1;
	/* Only mixed-deploy-1, which existed and references it, waits for a roll. */
	CHECK(graph_unconverged(&g, names, 4) == 1);
	CHECK_STR(names[0], "mixed-deploy-1");
	/* An event with the template already seen (a status change, a pause) is not a roll. */
	graph_observe(&g, (size_t)md1, 2, 0, 0, 12.0);
	graph_summary(&g, &o);
	CHECK(o.rolls == 6);
	graph_free(&g);
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

int main(void)
{
	test_patterns();
	test_shipped();
	test_bad_files();
	test_expected_and_observer();
	test_targets_and_manifests();
	UNIT_DONE("test_scenario");
}
