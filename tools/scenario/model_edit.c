/*
 * Changes to a loaded scenario from the command line: --set KEY=VALUE (one value of the
 * file) and --scale N (every count of an object entry named by a pattern, times N).
 */
#include "model.h"
#include "model_yaml.h"
#include "arena.h"
#include "msg.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char set_keys[] = "count.NAME, updates.N.every, updates.N.writers, churn.every, churn.keep, "
			       "phase.minus, phase.min, restart.at, duration";

static int unknown_key(const char *key)
{
	return errorf("--set %s: unknown key (%s)", key, set_keys);
}

/* A whole number written in decimal digits only (no sign, no 0x, no spaces); -1 (printed). */
static int set_whole(const char *key, const char *value, long min, long max, long *out)
{
	char *end;
	long v;

	if (*value == '\0' || strspn(value, "0123456789") != strlen(value))
		return errorf("--set %s: '%s' is not a whole number (%ld to %ld)", key, value, min, max);
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return errorf("--set %s: '%s' is out of range (%ld to %ld)", key, value, min, max);
	*out = v;
	return 0;
}

static int set_duration_value(const char *key, const char *value, double min, double *out)
{
	double v;
	const char *why = parse_duration(value, &v);

	if (why == NULL && v < min) {
		errorf("--set %s: '%s' is shorter than %gs", key, value, min);
		return -1;
	}
	if (why)
		return errorf("--set %s: '%s' %s", key, value, why);
	*out = v;
	return 0;
}

static int set_run_duration(const char *key, const char *value, double *duration)
{
	double v;

	if (set_duration_value(key, value, 1, &v) < 0)
		return -1;
	if (v > 1e7)
		return errorf("--set %s: '%s' is longer than 10000000s", key, value);
	*duration = v;
	return 0;
}

/* count.NAME: the one object entry whose name (pattern) is NAME. */
static int set_count(struct scenario *s, const char *key, const char *value)
{
	const char *name = key + strlen("count.");
	struct obj_spec *hit = NULL;
	long v;

	for (size_t i = 0; i < s->nobjs; i++) {
		if (strcmp(s->objs[i].name, name) != 0)
			continue;
		if (hit)
			return errorf("--set %s: more than one object entry is named '%s'", key, name);
		hit = &s->objs[i];
	}
	if (hit == NULL)
		return errorf("--set %s: no object entry is named '%s' in %s", key, name, s->file);
	if (set_whole(key, value, 1, 100000, &v) < 0)
		return -1;
	if (v > 1 && strchr(hit->name, '{') == NULL)
		return errorf("--set %s: count %ld needs a name pattern with {i}", key, v);
	hit->count = v;
	return 0;
}

/* updates.N.every, updates.N.writers: stream N, from 1. */
static int set_update(struct scenario *s, const char *key, const char *value)
{
	const char *p = key + strlen("updates.");
	char *end;
	long n, v;

	if (!isdigit((unsigned char)*p) || *p == '0')
		return unknown_key(key);
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno == ERANGE || *end != '.')
		return unknown_key(key);
	if (n > (long)s->nupdates)
		return errorf("--set %s: the scenario has %zu update stream(s)", key, s->nupdates);

	struct update_spec *u = &s->updates[n - 1];
	const char *field = end + 1;
	if (strcmp(field, "every") == 0)
		return set_duration_value(key, value, 0.001, &u->every);
	if (strcmp(field, "writers") != 0)
		return unknown_key(key);
	if (set_whole(key, value, 1, 1000, &v) < 0)
		return -1;
	u->writers = v;
	return 0;
}

static int set_churn(struct scenario *s, const char *key, const char *value)
{
	if (!s->churn.set)
		return errorf("--set %s: the scenario has no churn", key);
	if (strcmp(key, "churn.every") == 0)
		return set_duration_value(key, value, 0.001, &s->churn.every);
	return set_whole(key, value, 1, 100000, &s->churn.keep);
}

static int set_one(struct scenario *s, const char *key, const char *value, double *duration)
{
	if (strcmp(key, "duration") == 0)
		return set_run_duration(key, value, duration);
	if (strncmp(key, "count.", 6) == 0)
		return set_count(s, key, value);
	if (strncmp(key, "updates.", 8) == 0)
		return set_update(s, key, value);
	if (strcmp(key, "churn.every") == 0 || strcmp(key, "churn.keep") == 0)
		return set_churn(s, key, value);
	if (strcmp(key, "phase.minus") == 0)
		return set_duration_value(key, value, 0, &s->phase_minus);
	if (strcmp(key, "phase.min") == 0)
		return set_duration_value(key, value, 0, &s->phase_min);
	if (strcmp(key, "restart.at") == 0) {
		if (s->restart_at < 0)
			return errorf("--set %s: the scenario has no restart", key);
		return set_duration_value(key, value, 0, &s->restart_at);
	}
	return unknown_key(key);
}

int scenario_set(struct scenario *s, const char *assignment, double *duration)
{
	const char *eq = strchr(assignment, '=');
	int rc = -1;

	if (eq == NULL || eq == assignment)
		return errorf("--set needs KEY=VALUE, not '%s'", assignment);
	char *key = xstrndup(assignment, (size_t)(eq - assignment));
	const char *value = eq + 1;
	for (size_t i = 0; i < s->nsets; i++)
		if (strcmp(s->sets[i].key, key) == 0) {
			errorf("--set %s: given twice", key);
			goto out;
		}
	if (set_one(s, key, value, duration) < 0)
		goto out;
	s->sets = arena_grow(s->arena, s->sets, s->nsets, s->nsets + 1, sizeof(*s->sets));
	s->sets[s->nsets].key = arena_strdup(s->arena, key);
	s->sets[s->nsets].value = arena_strdup(s->arena, value);
	s->nsets++;
	rc = 0;
out:
	free(key);
	return rc;
}

int scenario_scale(struct scenario *s, long factor)
{
	if (factor < 1 || factor > SCENARIO_MAX_COUNT)
		return errorf("--scale %ld: out of range (1 to %d)", factor, SCENARIO_MAX_COUNT);
	for (size_t i = 0; i < s->nobjs; i++) {
		struct obj_spec *o = &s->objs[i];
		long n;
		/* One named object (no {i} in its name) stays one: only a pattern makes more. */
		if (strchr(o->name, '{') == NULL)
			continue;
		if (__builtin_mul_overflow(o->count, factor, &n) || n > SCENARIO_MAX_COUNT)
			return errorf("--scale %ld: the count of %s '%s' would be more than %d", factor,
				      kind_name(o->kind), o->name, SCENARIO_MAX_COUNT);
		o->count = n;
	}
	s->scale = factor;
	return 0;
}
