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

/* A row over repeated arms: values per arm, medians' intervals, change, test, verdict. */
static jv repeats_json(const struct row *row)
{
	const struct row_stats *st = &row->st;
	jv o = jv_object();

	for (int a = 0; a < 2; a++) {
		jv arm = jv_object(), vals = jv_array();
		for (size_t i = 0; i < st->n[a]; i++)
			vals = jv_array_append(vals, jv_number(st->vals[a][i]));
		arm = jv_object_set(arm, jv_string("n"), jv_number((double)st->n[a]));
		arm = jv_object_set(arm, jv_string("values"), vals);
		if (st->has_p) {
			arm = jv_object_set(arm, jv_string("median_ci"),
					    jv_array_append(jv_array_append(jv_array(), jv_number(st->med_lo[a])),
							    jv_number(st->med_hi[a])));
			arm = jv_object_set(arm, jv_string("median_ci_coverage"), jv_number(st->med_cov[a]));
		}
		o = jv_object_set(o, jv_string(arm_name(a)), arm);
	}
	if (st->has_p) {
		jv c = jv_object();
		c = jv_object_set(c, jv_string("kind"), jv_string(st->has_ratio ? "ratio_of_medians" : "shift_of_medians"));
		c = jv_object_set(c, jv_string("estimate"), jv_number(st->diff));
		c = jv_object_set(c, jv_string("ci"), jv_array_append(jv_array_append(jv_array(), jv_number(st->diff_lo)),
								    jv_number(st->diff_hi)));
		c = jv_object_set(c, jv_string("ci_method"),
				  jv_string(st->has_ratio ? "hodges_lehmann_log" : "hodges_lehmann"));
		c = jv_object_set(c, jv_string("ci_coverage"), jv_number(st->diff_cov));
		o = jv_object_set(o, jv_string("change"), c);
		o = jv_object_set(o, jv_string("p_value"), jv_number(st->p));
		o = jv_object_set(o, jv_string("p_adjusted"), jv_number(st->p_adj));
	}
	if (st->exact) {
		o = jv_object_set(o, jv_string("exact"), jv_true());
		o = jv_object_set(o, jv_string("repeats_judged"), jv_number((double)st->rep_judged));
		o = jv_object_set(o, jv_string("repeats_failed"), jv_number((double)st->rep_failed));
	}
	if (st->sv != SV_NONE)
		o = jv_object_set(o, jv_string("verdict"), jv_string(stat_verdict_name(st->sv)));
	return o;
}

/* The report's opening keys: what was judged, when, how, and its verdict. */
static jv header_json(const struct report *rep, time_t when)
{
	int single = report_single_arm(rep);
	char ts[64];
	struct tm tm;
	struct sbuf line = SBUF_INIT;
	jv o = jv_object(), exp = jv_object();

	gmtime_r(&when, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	report_summary_line(rep, &line);
	o = jv_object_set(o, jv_string("scenario"), jv_string(rep->scenario));
	o = jv_object_set(o, jv_string("generated"), jv_string(ts));
	o = jv_object_set(o, jv_string("mode"), jv_string(single >= 0 ? "single" : "ab"));
	if (single >= 0)
		o = jv_object_set(o, jv_string("arm"), jv_string(arm_name(single)));
	if (rep->repeated) {
		jv n = jv_object();
		n = jv_object_set(n, jv_string("old"), jv_number((double)rep->nrep[ARM_OLD]));
		n = jv_object_set(n, jv_string("new"), jv_number((double)rep->nrep[ARM_NEW]));
		o = jv_object_set(o, jv_string("repeats"), n);
		o = jv_object_set(o, jv_string("alpha"), jv_number(rep->cat->alpha));
	}
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
	sbuf_free(&line);
	return o;
}

static jv row_json(const struct report *rep, const struct row *row)
{
	char name[128];
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
	if (rep->repeated)
		r = jv_object_set(r, jv_string("repeats"), repeats_json(row));
	if (row->warning[0])
		r = jv_object_set(r, jv_string("warning"), jv_string(row->warning));
	return r;
}

/* The arms that could not run, by arm; each is also appended to *failed as "arm:ARM". */
static jv arm_failures_json(const struct report *rep, jv *failed)
{
	jv arms = jv_object();

	for (int a = 0; a < 2; a++) {
		if (rep->arm_failed[a]) {
			arms = jv_object_set(arms, jv_string(arm_name(a)), jv_string(rep->arm_failed[a]));
			*failed = jv_array_append(*failed, jv_string(a == ARM_OLD ? "arm:old" : "arm:new"));
		}
	}
	return arms;
}

static jv arm_invalid_json(const struct report *rep)
{
	jv inv = jv_object();

	for (int a = 0; a < 2; a++)
		if (rep->arm_invalid[a])
			inv = jv_object_set(inv, jv_string(arm_name(a)), jv_string(rep->arm_invalid[a]));
	return inv;
}

static jv checks_json(const struct report *rep)
{
	jv checks = jv_array();

	for (size_t i = 0; i < rep->nchecks; i++) {
		const struct check *ck = &rep->checks[i];
		jv c = jv_object();
		c = jv_object_set(c, jv_string("arm"), jv_string(arm_name(ck->arm)));
		c = jv_object_set(c, jv_string("name"), jv_string(ck->name));
		c = jv_object_set(c, jv_string("ok"), jv_bool(ck->ok));
		if (ck->repeat)
			c = jv_object_set(c, jv_string("repeat"), jv_number(ck->repeat));
		if (ck->value[0])
			c = jv_object_set(c, jv_string("value"), jv_string(ck->value));
		if (ck->required[0])
			c = jv_object_set(c, jv_string("required"), jv_string(ck->required));
		checks = jv_array_append(checks, c);
	}
	return checks;
}

jv report_to_json(const struct report *rep, time_t when)
{
	jv o = header_json(rep, when), rows = jv_array(), passed = jv_array(), failed = jv_array();

	for (size_t i = 0; i < rep->n; i++) {
		const struct row *row = &rep->rows[i];

		if (!row->shown)
			continue;
		rows = jv_array_append(rows, row_json(rep, row));
		if (row->status == ST_PASS)
			passed = jv_array_append(passed, jv_string(row->m->name));
		else if (row->status == ST_FAIL || row->status == ST_ERROR)
			failed = jv_array_append(failed, jv_string(row->m->name));
	}
	o = jv_object_set(o, jv_string("arm_failures"), arm_failures_json(rep, &failed));
	o = jv_object_set(o, jv_string("arm_invalid"), arm_invalid_json(rep));
	o = jv_object_set(o, jv_string("checks"), checks_json(rep));
	o = jv_object_set(o, jv_string("rows"), rows);
	o = jv_object_set(o, jv_string("passed"), passed);
	o = jv_object_set(o, jv_string("failed"), failed);
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
