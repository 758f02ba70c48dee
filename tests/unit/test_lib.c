/* Unit tests of the shared library: files, strings, JSON, YAML, Prometheus values. */
#include "fsio.h"
#include "http.h"
#include "jsonf.h"
#include "nameidx.h"
#include "num.h"
#include "wrapper.h"
#include "proc.h"
#include "prom.h"
#include "sbuf.h"
#include "unit.h"
#include "ydoc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
	/* Go's decimal floats only: no hex, no space, no overflow to infinity. */
	CHECK(prom_parse_value("1e-7", &v) == 0 && v == 1e-7);
	CHECK(prom_parse_value("0x10", &v) < 0);
	CHECK(prom_parse_value(" 5", &v) < 0);
	CHECK(prom_parse_value("1e309", &v) < 0);
}

/* Counts, ports and seconds: decimal, the whole text, in range; never saturated. */
static void test_num(void)
{
	long n = 7;
	double d = 7;

	CHECK(num_long("50", 0, 100, &n) == NULL && n == 50);
	CHECK(num_long("-3", -5, 5, &n) == NULL && n == -3);
	static const char *const bad_long[] = { "", "-", "0x32", " 50", "50 ", "+5", "5.0", "1e3", "nan", "٣", NULL };
	for (int i = 0; bad_long[i]; i++) {
		n = 7;
		CHECK(num_long(bad_long[i], LONG_MIN, LONG_MAX, &n) == NUM_NOT_WHOLE && n == 7);
	}
	CHECK(num_long("101", 0, 100, &n) == NUM_OUT_OF_RANGE);
	/* One more than the largest long: an error, not LONG_MAX. */
	CHECK(num_long("9223372036854775808", LONG_MIN, LONG_MAX, &n) == NUM_OUT_OF_RANGE);
	CHECK(num_long("-9223372036854775809", LONG_MIN, LONG_MAX, &n) == NUM_OUT_OF_RANGE);
	CHECK(num_double("0.5", &d) == NULL && d == 0.5);
	CHECK(num_double("-.5", &d) == NULL && d == -0.5);
	CHECK(num_double("2e3", &d) == NULL && d == 2000);
	CHECK(num_double("1e-400", &d) == NULL && d == 0);
	static const char *const bad_double[] = { "", ".", "-", "nan", "NaN", "inf", "-Infinity", "0x32", "0x1p3",
						  " 5", "5 ", "5s", "1e", "1e+", "--1", NULL };
	for (int i = 0; bad_double[i]; i++) {
		d = 7;
		CHECK(num_double(bad_double[i], &d) != NULL && d == 7);
	}
	CHECK(num_double("1e309", &d) != NULL);
	CHECK(num_span("1.5ms") == 3 && num_span("ms") == 0 && num_span("2e3s") == 3 && num_span("2es") == 1);
}

/* Only regular files, of bounded size, are read: never a FIFO, a device or a folder. */
static void test_fs_read_limits(void)
{
	char dir[] = "/tmp/unit-fsread-XXXXXX";
	char path[PATH_MAX];
	size_t len = 99;
	char *t;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK(mkfifo(path, 0600) == 0);
	/* No writer: a blocking open would hang here for ever. */
	CHECK(fs_read(path, &len) == NULL && errno == FS_ENOTREG);
	CHECK_STR(fs_strerror(FS_ENOTREG), "not a regular file (a FIFO)");
	unlink(path);
	snprintf(path, sizeof(path), "%s/zero", dir);
	CHECK(symlink("/dev/zero", path) == 0);
	CHECK(fs_read(path, &len) == NULL && errno == FS_ENOTREG);
	CHECK_STR(fs_strerror(errno), "not a regular file (a character device)");
	unlink(path);
	CHECK(fs_read(dir, &len) == NULL && errno == FS_ENOTREG);
	CHECK_STR(fs_strerror(errno), "not a regular file (a folder)");
	snprintf(path, sizeof(path), "%s/dangling", dir);
	CHECK(symlink("no-such-file", path) == 0);
	CHECK(fs_read(path, &len) == NULL && errno == FS_EDANGLING);
	unlink(path);
	CHECK(fs_read(path, &len) == NULL && errno == ENOENT);
	/* A sparse file one byte over the limit is refused without being read. */
	snprintf(path, sizeof(path), "%s/big", dir);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)FS_MAX_CONFIG + 1) == 0);
	close(fd);
	CHECK(fs_read(path, &len) == NULL && errno == FS_ETOOBIG);
	CHECK_STR(fs_strerror(FS_ETOOBIG), "larger than 16 MiB, the limit for this kind of file");
	t = fs_read_max(path, FS_MAX_DATA, &len);
	CHECK(t != NULL && len == FS_MAX_CONFIG + 1);
	free(t);
	CHECK(fs_read_max(path, 100, &len) == NULL && errno == FS_ETOOBIG);
	unlink(path);
	/* A file that reports no size (as /proc's do) is still read whole. */
	t = fs_read("/proc/self/status", &len);
	CHECK(t != NULL && len > 0 && strstr(t, "Pid:") != NULL);
	free(t);
	rmdir(dir);
}

/* A password in a URL never reaches a message. */
static void test_redact_url(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "http://user:s3cr3t@127.0.0.1:9090/prom", "http://***@127.0.0.1:9090/prom" },
		{ "https://s3cr3t@host", "https://***@host" },
		{ "http://a:b@c@host:1/x@y?q=@#@", "http://***@host:1/x@y?q=@#@" },
		{ "http://127.0.0.1:9090", "http://127.0.0.1:9090" },
		{ "http://host/path@x", "http://host/path@x" },
		{ "user:s3cr3t@host:9090", "***@host:9090" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = http_redact_url(cases[i].in);
		CHECK_STR(r, cases[i].out);
		free(r);
	}
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The pid a script wrote to file, once it is there; 0 if it never is. */
static pid_t read_pid(const char *file)
{
	for (int i = 0; i < 200; i++) {
		char *t = fs_read(file, NULL);
		long v = 0;
		if (t != NULL) {
			t[strcspn(t, "\n")] = '\0';
			int ok = num_long(t, 2, INT_MAX, &v) == NULL;
			free(t);
			if (ok)
				return (pid_t)v;
		}
		sleep_ms(10);
	}
	return 0;
}

/* pid is no longer running: gone, or a zombie its new parent has not reaped (a container's init may never). */
static int gone(pid_t pid)
{
	for (int i = 0; i < 200; i++) {
		char path[64], *t;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		t = fs_read(path, NULL);
		const char *paren = t ? strrchr(t, ')') : NULL;
		int dead = t == NULL || (paren && paren[1] == ' ' && paren[2] == 'Z');
		free(t);
		if (dead)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* The grandchild a script recorded in pidfile was stopped with its group (else it is killed now). */
static void check_sleeper_gone(const char *pidfile)
{
	pid_t sleeper = read_pid(pidfile);

	CHECK(sleeper > 0 && gone(sleeper));
	if (sleeper > 0 && !gone(sleeper))
		kill(sleeper, SIGKILL);
	unlink(pidfile);
}

/*
 * A child in its own group (a credential plugin): a grandchild that keeps its stdout open
 * neither holds us after the child answered nor outlives it; at the deadline the whole
 * group is killed.
 */
static void test_proc_group(void)
{
	char dir[] = "/tmp/unit-proc-XXXXXX", pidfile[PATH_MAX], script[PATH_MAX * 2];
	struct sbuf out = SBUF_INIT;
	int ws = -1;
	pid_t sleeper;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(pidfile, sizeof(pidfile), "%s/sleeper", dir);
	/* Answers and exits 0, leaving a sleeper that holds the pipe. */
	snprintf(script, sizeof(script), "sleep 100 & echo $! >'%s'; echo answer", pidfile);
	char *answer[] = { "/bin/sh", "-c", script, NULL };
	double t0 = mono();
	CHECK(proc_run(answer, environ, 10000, 1024, PROC_GROUP, &out, &ws) == 0);
	CHECK(mono() - t0 < 3);
	CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	CHECK_STR(sbuf_str(&out), "answer\n");
	check_sleeper_gone(pidfile);
	sbuf_free(&out);

	/* Never answers: at the deadline it goes, and its sleeper with it. */
	snprintf(script, sizeof(script), "sleep 100 & echo $! >'%s'; sleep 100", pidfile);
	char *hang[] = { "/bin/sh", "-c", script, NULL };
	t0 = mono();
	errno = 0;
	CHECK(proc_run(hang, environ, 500, 1024, PROC_GROUP, &out, &ws) < 0 && errno == ETIMEDOUT);
	CHECK(mono() - t0 < 3);
	check_sleeper_gone(pidfile);
	sbuf_free(&out);

	/* A member that left the group (its own session) is not waited for beyond the grace. */
	snprintf(script, sizeof(script), "setsid sleep 3 & echo $! >'%s'; echo answer", pidfile);
	char *escape[] = { "/bin/sh", "-c", script, NULL };
	t0 = mono();
	CHECK(proc_run(escape, environ, 10000, 1024, PROC_GROUP, &out, &ws) == 0);
	CHECK(mono() - t0 < 2);
	CHECK_STR(sbuf_str(&out), "answer\n");
	sleeper = read_pid(pidfile);
	if (sleeper > 0)
		kill(sleeper, SIGKILL);
	unlink(pidfile);
	sbuf_free(&out);
	rmdir(dir);
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
	/* Numbers are decimal, the whole scalar, in range. */
	CHECK(load_map("a: 0x5\n") < 0);
	CHECK(load_map("a: \" 5\"\n") < 0);
	CHECK(load_map("a: 99999999999999999999\n") < 0);
	CHECK(load_map("a: 5\n") == 0);
	/* One document per file: a second is an error, not ignored. */
	CHECK(load_map("a: 3\n---\na: 4\n") < 0);
	CHECK(load_map("a: 3\n---\n") == 0);
	CHECK(load_map("a: 3\n...\n") == 0);
}

static int count_key(struct ydoc *d, const char *key, yaml_node_t *kn, yaml_node_t *v, void *obj)
{
	(void)d;
	(void)key;
	(void)kn;
	(void)v;
	++*(long *)obj;
	return 0;
}

/*
 * A mapping of many keys: every duplicate found, through a hash (it was a quadratic search:
 * 100,000 keys took 47 s; tests/scenario.bats times a scenario of that size).
 */
static void test_ydoc_many_keys(void)
{
	struct sbuf sb = SBUF_INIT;
	struct ydoc d;
	long n = 0;

	for (int i = 0; i < 20000; i++)
		sbuf_addf(&sb, "k%d: v\n", i);
	CHECK(ydoc_load_string(&d, "many.yaml", sb.buf, sb.len) == 0);
	CHECK(ydoc_each(&d, ydoc_root(&d), count_key, &n) == 0 && n == 20000);
	ydoc_free(&d);
	/* The same key again, at the end. */
	sbuf_addf(&sb, "k12345: again\n");
	n = 0;
	CHECK(ydoc_load_string(&d, "many.yaml", sb.buf, sb.len) == 0);
	CHECK(ydoc_each(&d, ydoc_root(&d), count_key, &n) < 0 && n == 20000);
	ydoc_free(&d);
	sbuf_free(&sb);
}

/* Names found after the table has grown many times; a second add keeps the first position. */
static void test_name_index(void)
{
	struct name_index ix = NAME_INDEX_INIT;
	static char names[3000][12];
	int all = 1;

	CHECK(name_index_find(&ix, "a") == -1);
	for (size_t i = 0; i < 3000; i++) {
		snprintf(names[i], sizeof(names[i]), "n%zu", i * 7);
		name_index_add(&ix, names[i], i);
	}
	for (size_t i = 0; i < 3000; i++)
		all &= name_index_find(&ix, names[i]) == (long)i;
	CHECK(all);
	CHECK(ix.n == 3000 && ix.nslots >= 6000);
	CHECK(name_index_find(&ix, "n1") == -1 && name_index_find(&ix, "") == -1);
	name_index_add(&ix, "n7", 99);
	CHECK(name_index_find(&ix, "n7") == 1 && ix.n == 3000);
	name_index_free(&ix);
	CHECK(name_index_find(&ix, "n7") == -1);
}

int main(void)
{
	test_name_index();
	test_natural_cmp();
	test_sbuf();
	test_atomic_write();
	test_prom_values();
	test_prom_extract();
	test_path_extract();
	test_ydoc();
	test_ydoc_many_keys();
	test_num();
	test_fs_read_limits();
	test_redact_url();
	test_proc_group();
	UNIT_DONE("test_lib");
}
