/* A scenario's results read into a report: each arm's values, expectations, markers and self-checks. */
#include "judge.h"
#include "fsio.h"
#include "jsonf.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Expectations of one arm: DIR/S/ARM/expected.json (written per arm: every key present is
 * an expectation, 0 included), else DIR/S/expected.json (the reference's shared file, in
 * which 0 means "not set"). Returns 0, 1 when neither exists, -1 on a bad file.
 */
static int load_expected(const struct catalogue *c, const char *sdir, const char *adir, jv *out, int *shared)
{
	char *path = fs_join(adir, "expected.json");
	int rc = json_load(path, out);

	*shared = 0;
	if (rc == 1) {
		free(path);
		path = fs_join(sdir, "expected.json");
		rc = json_load(path, out);
		if (rc == 0)
			*shared = 1;
	}
	if (rc == 0 && jv_get_kind(*out) != JV_KIND_OBJECT) {
		errorf("'%s': expected values must be a JSON object", path);
		jv_free(*out);
		rc = -1;
	}
	/* A value the catalogue judges by is a number (or null: none); "50" would pass unjudged. */
	for (size_t i = 0; rc == 0 && i < c->n; i++) {
		const char *key = c->m[i].expected_key;
		jv v = key ? json_get(*out, key) : jv_invalid();
		jv_kind k = jv_get_kind(v);
		if (key && k != JV_KIND_INVALID && k != JV_KIND_NULL &&
		    (k != JV_KIND_NUMBER || !isfinite(jv_number_value(v)))) {
			errorf("'%s': expected value '%s' must be a number, not %s", path, key,
			       k == JV_KIND_NUMBER ? "infinite" : jv_kind_name(k));
			jv_free(*out);
			rc = -1;
		}
		jv_free(v);
	}
	free(path);
	return rc;
}

static void expected_value(const struct report *rep, int arm, const char *key, int *has, double *val)
{
	double v;

	*has = 0;
	if (key == NULL || jv_get_kind(rep->expected[arm]) != JV_KIND_OBJECT)
		return;
	if (json_num(rep->expected[arm], key, &v) < 0)
		return;
	if (rep->expected_shared && v == 0)
		return;
	*has = 1;
	*val = v;
}

static int read_value(const char *adir, const struct metric_def *m, struct mvalue *out)
{
	char *path = fs_join(adir, m->file);
	jv doc;
	int rc = json_load(path, &doc);

	memset(out, 0, sizeof(*out));
	if (rc == 1) {
		out->state = MV_NOFILE;
		snprintf(out->why, sizeof(out->why), "no snapshot");
		rc = 0;
	} else if (rc == 0) {
		rc = prom_extract(path, doc, &m->ex, out);
		jv_free(doc);
		if (rc == 0 && out->state == MV_VALUE) {
			out->value *= m->scale;
			if (m->counter)
				out->value = round(out->value);
		}
	}
	free(path);
	return rc;
}

/* No control character read from a results file reaches a terminal or a report. */
static void scrub(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* s with each control character written \xHH: readable, and nothing for a terminal to act on. */
static char *escape_controls(const char *s)
{
	struct sbuf sb = SBUF_INIT;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sbuf_addf(&sb, "\\x%02x", c);
		else
			sbuf_addn(&sb, s, 1);
	}
	return sbuf_detach(&sb);
}

/*
 * The first line of a marker file the pipeline leaves in an arm's folder into *out (NULL
 * when there is none); 0, or -1 after printing why when something is there that cannot be
 * read as a marker (a folder, a dangling link): the arm's state is unknown.
 */
static int read_marker(const char *adir, const char *name, char **out)
{
	char *path = fs_join(adir, name);
	char *why = fs_read(path, NULL);

	*out = NULL;
	if (why == NULL) {
		int e = errno;
		if (e != ENOENT)
			errorf("cannot read marker '%s': %s", path, fs_strerror(e));
		free(path);
		return e == ENOENT ? 0 : -1;
	}
	free(path);
	why[strcspn(why, "\n")] = '\0';
	if (strlen(why) > 300)
		why[300] = '\0';
	*out = escape_controls(*why ? why : "(no reason given)");
	free(why);
	return 0;
}

static int is_bool_field(jv obj, const char *key)
{
	jv v = json_get(obj, key);
	jv_kind k = jv_get_kind(v);

	jv_free(v);
	return k == JV_KIND_TRUE || k == JV_KIND_FALSE;
}

static int json_true(jv obj, const char *key)
{
	jv v = json_get(obj, key);
	int yes = jv_get_kind(v) == JV_KIND_TRUE;

	jv_free(v);
	return yes;
}

/* Copies a string field (consumed) for a report, control characters replaced. */
static void copy_field(char *dst, size_t size, jv v)
{
	if (jv_get_kind(v) == JV_KIND_STRING)
		snprintf(dst, size, "%s", jv_string_value(v));
	else
		dst[0] = '\0';
	scrub(dst);
	jv_free(v);
}

void report_push_check(struct report *rep, const struct check *ck)
{
	size_t n = rep->nchecks;

	/* The capacity is the next power of two: grown when n is one (or 0). */
	if ((n & (n - 1)) == 0)
		rep->checks = xrealloc(rep->checks, (n ? n * 2 : 1) * sizeof(*rep->checks));
	rep->checks[rep->nchecks++] = *ck;
}

int report_add_checks(struct report *rep, int arm, const char *path, jv run)
{
	if (jv_get_kind(run) != JV_KIND_OBJECT)
		return errorf("'%s': a run must be a JSON object", path);
	jv checks = json_get(run, "checks");
	int rc = 0;

	if (jv_get_kind(checks) == JV_KIND_OBJECT) {
		jv_object_foreach(checks, k, v) {
			struct check ck = { .arm = arm };
			snprintf(ck.name, sizeof(ck.name), "%s", jv_string_value(k));
			scrub(ck.name);
			if (jv_get_kind(v) == JV_KIND_TRUE || jv_get_kind(v) == JV_KIND_FALSE) {
				/* The older form: a bare boolean. */
				ck.ok = jv_get_kind(v) == JV_KIND_TRUE;
				snprintf(ck.value, sizeof(ck.value), "%s", ck.ok ? "yes" : "no");
				snprintf(ck.required, sizeof(ck.required), "yes");
			} else if (jv_get_kind(v) == JV_KIND_OBJECT && is_bool_field(v, "ok")) {
				ck.ok = json_true(v, "ok");
				copy_field(ck.value, sizeof(ck.value), json_get(v, "value"));
				copy_field(ck.required, sizeof(ck.required), json_get(v, "required"));
			} else {
				rc = errorf("'%s': check '%s' must be true, false or an object with a boolean \"ok\"",
					    path, ck.name);
			}
			jv_free(k);
			jv_free(v);
			if (rc < 0)
				break;
			report_push_check(rep, &ck);
		}
	} else if (jv_get_kind(checks) != JV_KIND_INVALID && jv_get_kind(checks) != JV_KIND_NULL) {
		rc = errorf("'%s': \"checks\" must be an object", path);
	}
	jv_free(checks);
	if (rc < 0)
		return rc;

	/* ok: false is the driver's own verdict on its run; problems say why. */
	jv ok = json_get(run, "ok");
	if (jv_get_kind(ok) == JV_KIND_FALSE && rep->arm_invalid[arm] == NULL) {
		struct sbuf why = SBUF_INIT;
		jv problems = json_get(run, "problems");
		if (jv_get_kind(problems) == JV_KIND_ARRAY) {
			jv_array_foreach(problems, i, p) {
				if (jv_get_kind(p) == JV_KIND_STRING && why.len < 300)
					sbuf_addf(&why, "%s%s", why.len ? "; " : "", jv_string_value(p));
				jv_free(p);
			}
		}
		jv_free(problems);
		rep->arm_invalid[arm] = xstrdup(why.len ? sbuf_str(&why) : "the scenario driver found its run not valid");
		sbuf_free(&why);
		scrub(rep->arm_invalid[arm]);
	}
	jv_free(ok);
	return 0;
}

/* DIR/S/ARM/run.json, when the arm has one: its self-checks. */
static int load_checks(struct report *rep, int arm, const char *adir)
{
	char *path = fs_join(adir, "run.json");
	jv run;
	int rc = json_load(path, &run);

	if (rc == 0) {
		rc = report_add_checks(rep, arm, path, run);
		jv_free(run);
	} else if (rc == 1) {
		rc = 0;
	}
	free(path);
	return rc;
}

int report_build_dirs(const struct catalogue *c, const char *sdir, const char *scenario, char *const adir[2],
		      struct report *rep)
{
	int rc = 0, shared[2] = { 0, 0 };

	memset(rep, 0, sizeof(*rep));
	rep->cat = c;
	rep->expected[0] = jv_null();
	rep->expected[1] = jv_null();
	rep->scenario = xstrdup(scenario);
	for (int a = 0; a < 2; a++) {
		rep->has_arm[a] = adir[a] != NULL && fs_is_dir(adir[a]);
		if (!rep->has_arm[a])
			continue;
		/* The pipeline marks an arm whose controller could not run (the scenario fails) and
		 * one whose run proved nothing (the scenario is invalid), with the reason. */
		if (read_marker(adir[a], "FAILED", &rep->arm_failed[a]) < 0 ||
		    read_marker(adir[a], "INVALID", &rep->arm_invalid[a]) < 0)
			rc = -1;
	}
	for (int a = 0; a < 2 && rc == 0; a++) {
		jv e;
		if (!rep->has_arm[a])
			continue;
		int r = load_expected(c, sdir, adir[a], &e, &shared[a]);
		if (r < 0)
			rc = -1;
		else if (r == 0) {
			jv_free(rep->expected[a]);
			rep->expected[a] = e;
		}
	}
	for (int a = 0; a < 2 && rc == 0; a++)
		if (rep->has_arm[a])
			rc = load_checks(rep, a, adir[a]);
	if (rc < 0)
		goto out;
	rep->expected_shared = shared[0] || shared[1];
	for (int a = 1; a >= 0 && rep->description == NULL; a--) {
		const char *d = json_str(rep->expected[a], "description");
		if (d && *d)
			scrub(rep->description = xstrdup(d));
	}

	rep->rows = xcalloc(c->n, sizeof(*rep->rows));
	rep->n = c->n;
	for (size_t i = 0; i < c->n && rc == 0; i++) {
		struct row *row = &rep->rows[i];
		row->m = &c->m[i];
		row->r = catalogue_rule(c, scenario, i);
		for (int a = 0; a < 2 && rc == 0; a++) {
			row->v[a].state = MV_NOFILE;
			snprintf(row->v[a].why, sizeof(row->v[a].why), "no arm");
			if (rep->has_arm[a])
				rc = read_value(adir[a], row->m, &row->v[a]);
			expected_value(rep, a, row->m->expected_key, &row->has_exp[a], &row->exp[a]);
		}
	}
	if (rc == 0)
		report_judge(rep);
out:
	if (rc < 0)
		report_free(rep);
	return rc;
}

int report_build(const struct catalogue *c, const char *dir, const char *scenario, struct report *rep)
{
	char *sdir = fs_join(dir, scenario);
	char *adir[2] = { fs_join(sdir, "old"), fs_join(sdir, "new") };
	int rc;

	if (!fs_is_dir(adir[0]) && !fs_is_dir(adir[1])) {
		memset(rep, 0, sizeof(*rep));
		rc = errorf("no results for scenario %s: neither '%s' nor '%s' exists", scenario, adir[0], adir[1]);
	} else if (arm_repeats(adir[0], NULL) > 0 || arm_repeats(adir[1], NULL) > 0) {
		rc = report_build_repeats(c, sdir, scenario, adir, rep);
	} else {
		rc = report_build_dirs(c, sdir, scenario, adir, rep);
	}
	free(adir[0]);
	free(adir[1]);
	free(sdir);
	return rc;
}
