/* JSON helpers over libjv: file loading with clear errors, kind-checked accessors. */
#include "jsonf.h"
#include "fsio.h"
#include "msg.h"
#include "wrapper.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int json_parse(const char *what, const char *text, size_t len, jv *out)
{
	jv v;

	if (len > (size_t)0x7fffffff)
		return errorf("%s: too large to parse", what);
	v = jv_parse_sized(text, (int)len);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		if (jv_get_kind(msg) == JV_KIND_STRING)
			errorf("%s: not valid JSON: %s", what, jv_string_value(msg));
		else
			errorf("%s: not valid JSON", what);
		jv_free(msg);
		return -1;
	}
	*out = v;
	return 0;
}

int json_load(const char *path, jv *out)
{
	size_t len;
	char *text = fs_read_max(path, FS_MAX_DATA, &len);
	char what[4096];
	int rc;

	if (text == NULL) {
		if (errno == ENOENT)
			return 1;
		return errorf("cannot read '%s': %s", path, fs_strerror(errno));
	}
	snprintf(what, sizeof(what), "'%s'", path);
	rc = json_parse(what, text, len, out);
	free(text);
	return rc;
}

jv json_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	return v;
}

const char *json_str(jv obj, const char *key)
{
	jv v = json_get(obj, key);
	const char *s = NULL;

	/* The object keeps its own reference, so the borrowed pointer stays valid. */
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);
	jv_free(v);
	return s;
}

int json_num(jv obj, const char *key, double *out)
{
	jv v = json_get(obj, key);
	int rc = -1;

	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		*out = jv_number_value(v);
		rc = 0;
	}
	jv_free(v);
	return rc;
}

char *json_dump(jv v, int pretty)
{
	jv s = jv_dump_string(jv_copy(v), pretty ? JV_PRINT_INDENT_FLAGS(2) : 0);
	char *out = NULL;
	size_t n = (size_t)jv_string_length_bytes(jv_copy(s));

	out = xmalloc(n + 2);
	memcpy(out, jv_string_value(s), n);
	out[n] = '\n';
	out[n + 1] = '\0';
	jv_free(s);
	return out;
}

jv json_set_num(jv obj, const char *key, int has, double value)
{
	/* JSON has no NaN or infinity: such values were not measured. */
	if (!has || !isfinite(value))
		return obj;
	return jv_object_set(obj, jv_string(key), jv_number(value));
}

int json_write(const char *path, jv v)
{
	char *text = json_dump(v, 1);
	int rc = fs_write_atomic(path, text, strlen(text));

	free(text);
	return rc;
}
