/* Extraction of values from Prometheus API responses and from plain JSON files. */
#include "prom.h"
#include "jsonf.h"
#include "msg.h"
#include "num.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int prom_parse_value(const char *s, double *out)
{
	if (strcmp(s, "NaN") == 0) {
		*out = NAN;
		return 0;
	}
	if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
		*out = INFINITY;
		return 0;
	}
	if (strcmp(s, "-Inf") == 0) {
		*out = -INFINITY;
		return 0;
	}
	/* Prometheus writes Go's decimal floats: nothing around them, no hex. */
	return num_double(s, out) == NULL ? 0 : -1;
}

/* A sample is [timestamp, "value"]. */
static int sample_value(jv sample, double *out)
{
	if (jv_get_kind(sample) != JV_KIND_ARRAY || jv_array_length(jv_copy(sample)) != 2)
		return -1;
	jv ts = jv_array_get(jv_copy(sample), 0), val = jv_array_get(jv_copy(sample), 1);
	int rc = -1;

	if (jv_get_kind(ts) == JV_KIND_NUMBER && jv_get_kind(val) == JV_KIND_STRING)
		rc = prom_parse_value(jv_string_value(val), out);
	jv_free(ts);
	jv_free(val);
	return rc;
}

static int labels_match(jv metric, const struct extract *ex)
{
	for (size_t i = 0; i < ex->nlabels; i++) {
		const char *v = json_str(metric, ex->labels[i].name);
		if (v == NULL || strcmp(v, ex->labels[i].value) != 0)
			return 0;
	}
	return 1;
}

int prom_check_response(jv doc, const char **why)
{
	const char *status = json_str(doc, "status");

	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		*why = "not a Prometheus response (not an object)";
		return -1;
	}
	if (status == NULL) {
		*why = "not a Prometheus response (no \"status\")";
		return -1;
	}
	if (strcmp(status, "error") == 0)
		return 0;
	if (strcmp(status, "success") != 0) {
		*why = "not a Prometheus response (unknown \"status\")";
		return -1;
	}
	jv data = json_get(doc, "data");
	const char *rt = json_str(data, "resultType");
	jv result = json_get(data, "result");
	int rc = 0;

	if (jv_get_kind(data) != JV_KIND_OBJECT || rt == NULL) {
		*why = "not a Prometheus response (no \"data.resultType\")";
		rc = -1;
	} else if (strcmp(rt, "vector") != 0 && strcmp(rt, "matrix") != 0 && strcmp(rt, "scalar") != 0 &&
		   strcmp(rt, "string") != 0) {
		*why = "not a Prometheus response (unknown \"resultType\")";
		rc = -1;
	} else if (jv_get_kind(result) != JV_KIND_ARRAY) {
		*why = "not a Prometheus response (\"data.result\" is not a list)";
		rc = -1;
	}
	jv_free(data);
	jv_free(result);
	return rc;
}

static int bad(const char *file, const char *why)
{
	return errorf("'%s': %s", file, why);
}

static int extract_path(const char *file, jv doc, const struct extract *ex, struct mvalue *out)
{
	jv cur = jv_copy(doc);

	for (size_t i = 0; i < ex->npath; i++) {
		jv next = json_get(cur, ex->path[i]);
		jv_free(cur);
		cur = next;
		if (!jv_is_valid(cur))
			break;
	}
	switch (jv_get_kind(cur)) {
	case JV_KIND_INVALID:
	case JV_KIND_NULL:
		out->state = MV_ABSENT;
		snprintf(out->why, sizeof(out->why), "not recorded");
		break;
	case JV_KIND_NUMBER:
		out->state = MV_VALUE;
		out->value = jv_number_value(cur);
		break;
	default:
		jv_free(cur);
		return errorf("'%s': value at '%s' is not a number", file, ex->path[ex->npath - 1]);
	}
	jv_free(cur);
	return 0;
}

/* A query Prometheus refused: its error type and message become the value's why. */
static void query_error(jv doc, struct mvalue *out)
{
	const char *type = json_str(doc, "errorType"), *msg = json_str(doc, "error");

	out->state = MV_QUERY_ERROR;
	snprintf(out->why, sizeof(out->why), "%s%s%s", type ? type : "error", msg ? ": " : "", msg ? msg : "");
	/* Prometheus's words end up in reports and on terminals: no control character. */
	for (char *p = out->why; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

/*
 * One series of a vector or matrix answer (borrowed): 1 with *v set when its labels match
 * (a matrix's newest sample; NaN included), 0 when they do not, -1 after printing why.
 */
static int series_value(const char *file, jv series, const struct extract *ex, double *v)
{
	jv metric = json_get(series, "metric"), sample = json_get(series, "value");
	int rc = 0;

	if (jv_get_kind(series) != JV_KIND_OBJECT || jv_get_kind(metric) != JV_KIND_OBJECT) {
		rc = bad(file, "malformed series (no \"metric\" object)");
	} else if (labels_match(metric, ex)) {
		/* A range answer: the newest sample of each series. */
		if (!jv_is_valid(sample)) {
			jv values = json_get(series, "values");
			if (jv_get_kind(values) == JV_KIND_ARRAY && jv_array_length(jv_copy(values)) > 0)
				sample = jv_array_get(jv_copy(values), jv_array_length(jv_copy(values)) - 1);
			jv_free(values);
		}
		if (sample_value(sample, v) < 0)
			rc = bad(file, "malformed sample (expected [time, \"value\"])");
		else
			rc = 1;
	}
	jv_free(sample);
	jv_free(metric);
	return rc;
}

int prom_extract(const char *file, jv doc, const struct extract *ex, struct mvalue *out)
{
	const char *why = NULL;

	memset(out, 0, sizeof(*out));
	if (ex->how == EX_PATH)
		return extract_path(file, doc, ex, out);
	if (prom_check_response(doc, &why) < 0)
		return bad(file, why);

	if (strcmp(json_str(doc, "status"), "error") == 0) {
		query_error(doc, out);
		return 0;
	}

	jv data = json_get(doc, "data");
	const char *rt = json_str(data, "resultType");
	jv result = json_get(data, "result");
	int n = jv_array_length(jv_copy(result)), found = 0, rc = 0;
	double acc = 0;

	if (strcmp(rt, "scalar") == 0) {
		double v;
		if (sample_value(result, &v) < 0) {
			rc = bad(file, "malformed scalar result");
		} else if (!isnan(v)) {
			found = 1;
			acc = v;
		}
		n = 0;
	} else if (strcmp(rt, "string") == 0) {
		rc = bad(file, "a string result has no numeric value");
		n = 0;
	}
	for (int i = 0; i < n && rc == 0; i++) {
		jv series = jv_array_get(jv_copy(result), i);
		double v;
		int got = series_value(file, series, ex, &v);

		jv_free(series);
		if (got < 0) {
			rc = -1;
		} else if (got > 0 && !isnan(v)) {
			/* NaN is what Prometheus answers when nothing was observed: not a value. */
			if (!found || ex->how == EX_SUM)
				acc = found && ex->how == EX_SUM ? acc + v : v;
			else if (ex->how == EX_MAX && v > acc)
				acc = v;
			found = 1;
			if (ex->how == EX_FIRST)
				n = i + 1;
		}
	}
	jv_free(result);
	jv_free(data);
	if (rc < 0)
		return -1;
	if (found) {
		out->state = MV_VALUE;
		out->value = acc;
	} else {
		out->state = MV_ABSENT;
		snprintf(out->why, sizeof(out->why), "no series returned");
	}
	return 0;
}
