/* Unit tests of the shared library: files, strings, JSON, YAML, Prometheus values. */
#include "fsio.h"
#include "jsonf.h"
#include "prom.h"
#include "sbuf.h"
#include "unit.h"
#include "ydoc.h"

#include <stdlib.h>
#include <unistd.h>

static void test_natural_cmp(void)
{
	CHECK(natural_cmp("S2", "S10") < 0);
	CHECK(natural_cmp("S10", "S2") > 0);
	CHECK(natural_cmp("S1", "S1") == 0);
	CHECK(natural_cmp("S01", "S1") == 0);
	CHECK(natural_cmp("S1", "S1a") < 0);
	CHECK(natural_cmp("A", "B") < 0);
}

static void test_sbuf(void)
{
	struct sbuf sb = SBUF_INIT;

	CHECK_STR(sbuf_str(&sb), "");
	CHECK(utf8_width("Old✓") == 4);
	sbuf_pad(&sb, "Old✓", 6, 1);
	CHECK_STR(sbuf_str(&sb), "  Old✓");
	sbuf_reset(&sb);
	sbuf_pad(&sb, "ab", 4, 0);
	sbuf_addf(&sb, "|%d", 42);
	CHECK_STR(sbuf_str(&sb), "ab  |42");
	sbuf_free(&sb);
}

static void test_atomic_write(void)
{
	char dir[] = "/tmp/unit-fsio-XXXXXX";

	CHECK(mkdtemp(dir) != NULL);
	char *path = fs_join(dir, "out.txt");
	CHECK(fs_write_atomic(path, "hello\n", 6) == 0);
	size_t len = 0;
	char *back = fs_read(path, &len);
	CHECK(back != NULL && len == 6);
	CHECK_STR(back, "hello\n");
	free(back);
	/* A write into a folder that does not exist fails and leaves nothing behind. */
	char *bad = fs_join(dir, "missing/out.txt");
	CHECK(fs_write_atomic(bad, "x", 1) < 0);
	size_t n = 99;
	char **list = fs_subdirs(dir, &n);
	CHECK(list != NULL && n == 0);
	fs_free_list(list);
	CHECK(fs_mkdirs(bad) == 0 && fs_is_dir(bad));
	rmdir(bad);
	char *mid = fs_join(dir, "missing");
	rmdir(mid);
	unlink(path);
	rmdir(dir);
	free(mid);
	free(bad);
	free(path);
}

static jv parse(const char *text)
{
	jv v = jv_invalid();

	CHECK(json_parse("test", text, strlen(text), &v) == 0);
	return v;
}

static void test_prom_values(void)
{
	double v;

	CHECK(prom_parse_value("1.5", &v) == 0 && v == 1.5);
	CHECK(prom_parse_value("NaN", &v) == 0 && isnan(v));
	CHECK(prom_parse_value("+Inf", &v) == 0 && isinf(v) && v > 0);
	CHECK(prom_parse_value("", &v) < 0);
	CHECK(prom_parse_value("12abc", &v) < 0);
}

static void test_prom_extract(void)
{
	const struct label_match ok[] = { { "success", "true" } };
	struct extract sum = { EX_SUM, NULL, 0, NULL, 0 };
	struct extract first = { EX_FIRST, NULL, 0, NULL, 0 };
	struct extract max = { EX_MAX, NULL, 0, NULL, 0 };
	struct extract only_ok = { EX_SUM, ok, 1, NULL, 0 };
	struct extract max_ok = { EX_MAX, ok, 1, NULL, 0 };
	struct mvalue mv;
	/*
	 * Worked by hand so that every way of taking the value gives a different number, and
	 * none equals another way's: a NaN first (nothing observed: skipped), then 5, 30
	 * (the largest, not first and not last), 12. first = 5, sum = 47, max = 30; with
	 * success="true" only: sum = 17, max = 12.
	 */
	jv d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		     "{\"metric\":{\"success\":\"true\"},\"value\":[1,\"NaN\"]},"
		     "{\"metric\":{\"success\":\"true\"},\"value\":[1,\"5\"]},"
		     "{\"metric\":{\"success\":\"false\"},\"value\":[1,\"30\"]},"
		     "{\"metric\":{\"success\":\"true\"},\"value\":[1,\"12\"]}]}}");

	CHECK(prom_extract("t", d, &sum, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 47);
	CHECK(prom_extract("t", d, &first, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 5);
	CHECK(prom_extract("t", d, &max, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 30);
	CHECK(prom_extract("t", d, &only_ok, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 17);
	CHECK(prom_extract("t", d, &max_ok, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 12);
	jv_free(d);
	/* Negative values: a max that starts from 0 instead of the first value would say 0. */
	d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		  "{\"metric\":{},\"value\":[1,\"-7\"]},"
		  "{\"metric\":{},\"value\":[1,\"-3\"]},"
		  "{\"metric\":{},\"value\":[1,\"-9\"]}]}}");
	CHECK(prom_extract("t", d, &max, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, -3);
	CHECK(prom_extract("t", d, &first, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, -7);
	CHECK(prom_extract("t", d, &sum, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, -19);
	jv_free(d);

	/* No series is "absent", not zero. */
	d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}");
	CHECK(prom_extract("t", d, &sum, &mv) == 0 && mv.state == MV_ABSENT);
	jv_free(d);
	/* Only NaN (nothing observed) is absent too. */
	d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
		  "{\"metric\":{},\"value\":[1,\"NaN\"]}]}}");
	CHECK(prom_extract("t", d, &first, &mv) == 0 && mv.state == MV_ABSENT);
	jv_free(d);
	/* A failed query keeps Prometheus's message. */
	d = parse("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}");
	CHECK(prom_extract("t", d, &sum, &mv) == 0 && mv.state == MV_QUERY_ERROR);
	CHECK_STR(mv.why, "bad_data: parse error");
	jv_free(d);
	/* Scalars and range answers. */
	d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"7\"]}}");
	CHECK(prom_extract("t", d, &first, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 7);
	jv_free(d);
	d = parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
		  "{\"metric\":{},\"values\":[[1,\"1\"],[2,\"5\"]]}]}}");
	CHECK(prom_extract("t", d, &first, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 5);
	jv_free(d);
	/* Malformed answers are errors, not values. */
	const char *bad[] = {
		"[]",
		"{\"hello\":1}",
		"{\"status\":\"weird\"}",
		"{\"status\":\"success\"}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":{}}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1,\"1\"]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,1]}]}}",
		"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"x\"]}]}}",
		NULL,
	};
	for (int i = 0; bad[i]; i++) {
		d = parse(bad[i]);
		CHECK(prom_extract("t", d, &sum, &mv) < 0);
		jv_free(d);
	}
}

static void test_path_extract(void)
{
	const char *const path[] = { "observed", "missed" };
	struct extract ex = { EX_PATH, NULL, 0, path, 2 };
	struct mvalue mv;
	jv d = parse("{\"observed\":{\"missed\":3}}");

	CHECK(prom_extract("t", d, &ex, &mv) == 0 && mv.state == MV_VALUE);
	CHECK_NUM(mv.value, 3);
	jv_free(d);
	d = parse("{\"observed\":{}}");
	CHECK(prom_extract("t", d, &ex, &mv) == 0 && mv.state == MV_ABSENT);
	jv_free(d);
	d = parse("{\"observed\":{\"missed\":\"three\"}}");
	CHECK(prom_extract("t", d, &ex, &mv) < 0);
	jv_free(d);
}

static int seen_a, seen_b;

static int key_a(struct ydoc *d, yaml_node_t *v, void *obj)
{
	(void)obj;
	seen_a = 1;
	long n;
	return ydoc_long(d, v, 0, 10, &n);
}

static int key_b(struct ydoc *d, yaml_node_t *v, void *obj)
{
	(void)obj;
	seen_b = 1;
	int b;
	return ydoc_bool(d, v, &b);
}

static int load_map(const char *text)
{
	static const struct ykey keys[] = { { "a", key_a, 1 }, { "b", key_b, 0 }, { NULL, NULL, 0 } };
	struct ydoc d;
	int rc = ydoc_load_string(&d, "mem.yaml", text, strlen(text));

	if (rc == 0)
		rc = ydoc_map(&d, ydoc_root(&d), keys, NULL);
	ydoc_free(&d);
	return rc;
}

static void test_ydoc(void)
{
	seen_a = seen_b = 0;
	CHECK(load_map("a: 3\nb: true\n") == 0 && seen_a && seen_b);
	CHECK(load_map("a: 3\nc: 1\n") < 0);	/* unknown key */
	CHECK(load_map("b: true\n") < 0);	/* missing required */
	CHECK(load_map("a: 3\na: 4\n") < 0);	/* duplicate */
	CHECK(load_map("a: 11\n") < 0);		/* out of range */
	CHECK(load_map("a: x\n") < 0);		/* not a number */
	CHECK(load_map("a: 1\nb: maybe\n") < 0);
	CHECK(load_map("a: [1\n") < 0);		/* YAML syntax */
	CHECK(load_map("") < 0);		/* empty */
	CHECK(load_map("- a\n") < 0);		/* not a mapping */
}

int main(void)
{
	test_natural_cmp();
	test_sbuf();
	test_atomic_write();
	test_prom_values();
	test_prom_extract();
	test_path_extract();
	test_ydoc();
	UNIT_DONE("test_lib");
}
