/* The JSON report: self-describing, with unmeasured values absent rather than zero. */
#include "render.h"
#include "jsonf.h"

#include <stdlib.h>
#include <string.h>

static const char *state_name(enum mv_state s)
{
	switch (s) {
	case MV_VALUE: return "measured";
	case MV_ABSENT: return "absent";
	case MV_NOFILE: return "no_file";
	case MV_QUERY_ERROR: return "query_error";
	}
	return "?";
}

static jv arm_value(const struct row *row, int arm)
{
	const struct mvalue *v = &row->v[arm];
	jv o = jv_object();

	o = jv_object_set(o, jv_string("state"), jv_string(state_name(v->state)));
	o = json_set_num(o, "value", v->state == MV_VALUE, v->value);
	if (v->state != MV_VALUE && v->why[0])
		o = jv_object_set(o, jv_string("why"), jv_string(v->why));
	if (row->has_exp[arm])
		o = json_set_num(o, "expected", 1, row->exp[arm]);
	if (row->meets[arm] >= 0)
		o = jv_object_set(o, jv_string("meets_expected"), jv_bool(row->meets[arm]));
	return o;
}

static jv rule_json(const struct rule *r)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("kind"), jv_string(rule_kind_name(r->kind)));
	o = json_set_num(o, "max_diff_pct", r->has_max_diff, r->max_diff_pct);
	o = json_set_num(o, "min_abs_diff", r->has_min_abs, r->min_abs_diff);
	o = json_set_num(o, "max_value", r->has_max_value, r->max_value);
	o = json_set_num(o, "min_value", r->has_min_value, r->min_value);
	return o;
}

jv report_to_json(const struct report *rep, time_t when)
{
	int single = report_single_arm(rep);
	char ts[64];
	struct tm tm;
	struct sbuf line = SBUF_INIT;
	jv o = jv_object(), rows = jv_array(), passed = jv_array(), failed = jv_array(), exp = jv_object();

	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	report_summary_line(rep, &line);
	o = jv_object_set(o, jv_string("scenario"), jv_string(rep->scenario));
	o = jv_object_set(o, jv_string("generated"), jv_string(ts));
	o = jv_object_set(o, jv_string("mode"), jv_string(single >= 0 ? "single" : "ab"));
	if (single >= 0)
		o = jv_object_set(o, jv_string("arm"), jv_string(arm_name(single)));
	o = jv_object_set(o, jv_string("status"), jv_string(verdict_name(rep->verdict)));
	if (rep->verdict == V_INVALID)
		o = jv_object_set(o, jv_string("invalid_reason"), jv_string(rep->invalid_reason));
	o = jv_object_set(o, jv_string("summary"), jv_string(sbuf_str(&line)));
	if (rep->description)
		o = jv_object_set(o, jv_string("description"), jv_string(rep->description));
	for (int a = 0; a < 2; a++)
		if (rep->has_arm[a] && jv_get_kind(rep->expected[a]) == JV_KIND_OBJECT)
			exp = jv_object_set(exp, jv_string(arm_name(a)), jv_copy(rep->expected[a]));
	o = jv_object_set(o, jv_string("expected"), exp);
	o = jv_object_set(o, jv_string("expected_tolerance_pct"), jv_number(rep->cat->expected_tolerance_pct));
	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];
		char name[128];

		if (!row->shown)
			continue;
		jv r = jv_object();
		row_display_name(row, name, sizeof(name));
		r = jv_object_set(r, jv_string("name"), jv_string(row->m->name));
		r = jv_object_set(r, jv_string("display_name"), jv_string(name));
		r = jv_object_set(r, jv_string("unit"), jv_string(row->m->unit));
		r = jv_object_set(r, jv_string("counter"), jv_bool(row->m->counter));
		for (int a = 0; a < 2; a++)
			if (rep->has_arm[a])
				r = jv_object_set(r, jv_string(arm_name(a)), arm_value(row, a));
		r = json_set_num(r, "difference", row->has_diff, row->diff);
		r = json_set_num(r, "diff_pct", row->has_diff, row->diff_pct);
		r = jv_object_set(r, jv_string("status"), jv_string(row_status_name(row->status)));
		r = jv_object_set(r, jv_string("reason"), jv_string(row->reason));
		r = jv_object_set(r, jv_string("rule"), rule_json(row->r));
		rows = jv_array_append(rows, r);
		if (row->status == ST_PASS)
			passed = jv_array_append(passed, jv_string(row->m->name));
		else if (row->status == ST_FAIL || row->status == ST_ERROR)
			failed = jv_array_append(failed, jv_string(row->m->name));
	}
	jv arms = jv_object();
	for (int a = 0; a < 2; a++) {
		if (rep->arm_failed[a]) {
			arms = jv_object_set(arms, jv_string(arm_name(a)), jv_string(rep->arm_failed[a]));
			failed = jv_array_append(failed, jv_string(a == ARM_OLD ? "arm:old" : "arm:new"));
		}
	}
	o = jv_object_set(o, jv_string("arm_failures"), arms);
	jv inv = jv_object();
	for (int a = 0; a < 2; a++)
		if (rep->arm_invalid[a])
			inv = jv_object_set(inv, jv_string(arm_name(a)), jv_string(rep->arm_invalid[a]));
	o = jv_object_set(o, jv_string("arm_invalid"), inv);
	jv checks = jv_array();
	for (size_t i = 0; i < rep->nchecks; i++) {
		const struct check *ck = &rep->checks[i];
		jv c = jv_object();
		c = jv_object_set(c, jv_string("arm"), jv_string(arm_name(ck->arm)));
		c = jv_object_set(c, jv_string("name"), jv_string(ck->name));
		c = jv_object_set(c, jv_string("ok"), jv_bool(ck->ok));
		if (ck->value[0])
			c = jv_object_set(c, jv_string("value"), jv_string(ck->value));
		if (ck->required[0])
			c = jv_object_set(c, jv_string("required"), jv_string(ck->required));
		checks = jv_array_append(checks, c);
	}
	o = jv_object_set(o, jv_string("checks"), checks);
	o = jv_object_set(o, jv_string("rows"), rows);
	o = jv_object_set(o, jv_string("passed"), passed);
	o = jv_object_set(o, jv_string("failed"), failed);
	sbuf_free(&line);
	return o;
}

void render_json(struct sbuf *out, const struct report *rep, time_t when)
{
	jv o = report_to_json(rep, when);
	char *text = json_dump(o, 1);

	sbuf_add(out, text);
	free(text);
	jv_free(o);
}
