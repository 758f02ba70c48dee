/* Unit tests of the wrapper layer: allocators, clock and sleep, messages with errno, usage
   errors, sbuf_detach, PATH lookup, the environment builder and data-file lookup. */
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "unit.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Run fn in a child with stderr to a file; its exit status and what it printed (malloc'd). */
static char *child_stderr(void (*fn)(void), int *status)
{
	char path[] = "/tmp/unit-wrapper-err-XXXXXX";
	int fd = mkstemp(path);
	pid_t pid;
	char buf[1024];
	ssize_t n;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(fd, 2);
		fn();
		_exit(0);
	}
	waitpid(pid, status, 0);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	return xstrdup(buf);
}

static void test_alloc(void)
{
	char *p = xmalloc(0), *q = xcalloc(0, 8), *r;
	int *z = xcalloc(4, sizeof(int));

	/* Zero sizes still give pointers to free, never NULL. */
	CHECK(p != NULL && q != NULL);
	CHECK(z[0] == 0 && z[3] == 0);
	z = xrealloc(z, 1000 * sizeof(int));
	z[999] = 7;
	CHECK(z[3] == 0 && z[999] == 7);
	r = xasprintf("%s-%03d", "S", 7);
	CHECK_STR(r, "S-007");
	free(r);
	r = xstrndup("abcdef", 3);
	CHECK_STR(r, "abc");
	free(r);
	r = xstrdup("");
	CHECK_STR(r, "");
	free(r);
	free(p);
	free(q);
	free(z);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_clock(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, 30000 } };
	struct timespec a, b;
	double t0, t1;

	/* The clock is CLOCK_MONOTONIC in seconds: it lies between two readings of it. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = mono_now();
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK(t0 >= a.tv_sec + a.tv_nsec / 1e9 - 1e-6 && t0 <= b.tv_sec + b.tv_nsec / 1e9 + 1e-6);
	/* A signal 30 ms into a 150 ms sleep does not cut it short. */
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	sleep_ms(150);
	t1 = mono_now();
	CHECK(alarms == 1);
	CHECK(t1 - t0 >= 0.149);
	CHECK(t1 - t0 < 5);
	t0 = mono_now();
	sleep_ms(0);
	sleep_ms(-5);
	CHECK(mono_now() - t0 < 0.05);
	signal(SIGALRM, SIG_DFL);
}

static void say_errno(void)
{
	errno = ENOENT;
	if (errorf_errno("cannot read '%s'", "x.json") != -1)
		_exit(3);
	/* errno is the caller's still, for a decision after the message. */
	if (errno != ENOENT)
		_exit(4);
	errno = EACCES;
	warnf_errno("cannot write %d files", 2);
}

static void bad_usage(void)
{
	usagef("--duration needs a number of seconds, not '%s'", "ten%s");
}

static void test_messages(void)
{
	int st = 0;
	char *out;

	msg_init("/some/where/tool");
	out = child_stderr(say_errno, &st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_STR(out, "tool: cannot read 'x.json': No such file or directory\n"
		       "tool: cannot write 2 files: Permission denied\n");
	free(out);
	/* A value with a conversion in it is printed as it is. */
	out = child_stderr(bad_usage, &st);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EXIT_TROUBLE);
	CHECK_STR(out, "tool: --duration needs a number of seconds, not 'ten%s' (see 'tool --help')\n");
	free(out);
}

static void test_sbuf_detach(void)
{
	struct sbuf sb = SBUF_INIT;
	char *s = sbuf_detach(&sb);

	CHECK_STR(s, "");
	free(s);
	sbuf_addf(&sb, "%d and %s", 1, "two");
	s = sbuf_detach(&sb);
	CHECK_STR(s, "1 and two");
	/* sb is empty again and usable. */
	CHECK(sb.buf == NULL && sb.len == 0);
	sbuf_add(&sb, "x");
	CHECK_STR(sbuf_str(&sb), "x");
	CHECK_STR(s, "1 and two");
	free(s);
	sbuf_free(&sb);
}

static void touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	CHECK(fd >= 0);
	close(fd);
	chmod(path, mode);
}

static void test_find_on_path(void)
{
	char dir[] = "/tmp/unit-wrapper-path-XXXXXX";
	char *a, *b, *want, *got, *path;
	const char *old = getenv("PATH");
	char *saved = old ? xstrdup(old) : NULL;

	CHECK(mkdtemp(dir) != NULL);
	a = xasprintf("%s/a", dir);
	b = xasprintf("%s/b", dir);
	mkdir(a, 0755);
	mkdir(b, 0755);
	/* In a/: a folder and a file that may not be run by that name; in b/: the program. */
	got = xasprintf("%s/prog", a);
	mkdir(got, 0755);
	free(got);
	got = xasprintf("%s/other", a);
	touch(got, 0644);
	free(got);
	want = xasprintf("%s/prog", b);
	touch(want, 0755);
	path = xasprintf("%s:%s", a, b);
	setenv("PATH", path, 1);
	got = find_on_path("prog");
	CHECK_STR(got, want);
	free(got);
	errno = 0;
	CHECK(find_on_path("not-there-at-all") == NULL && errno == ENOENT);
	/* Found but not executable (no x bit: not even root may run it). */
	errno = 0;
	CHECK(find_on_path("other") == NULL && errno == EACCES);
	/* A name with a slash is taken as it is. */
	got = find_on_path(want);
	CHECK_STR(got, want);
	free(got);
	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	} else {
		unsetenv("PATH");
	}
	got = xasprintf("%s/prog", a);
	rmdir(got);
	free(got);
	got = xasprintf("%s/other", a);
	unlink(got);
	free(got);
	unlink(want);
	rmdir(a);
	rmdir(b);
	rmdir(dir);
	free(a);
	free(b);
	free(want);
	free(path);
}

static const char *env_get(char **env, const char *name)
{
	size_t len = strlen(name);

	for (char **e = env; *e; e++)
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return *e + len + 1;
	return NULL;
}

static void test_env_build(void)
{
	const char *changes[] = { "UNIT_A=new", "UNIT_B", "UNIT_C=added", "UNIT_NONE", "UNIT_ABC", NULL };
	char **env;
	size_t n = 0, n_ours = 0;
	extern char **environ;

	setenv("UNIT_A", "old", 1);
	setenv("UNIT_B", "gone", 1);
	setenv("UNIT_AB", "kept", 1);
	unsetenv("UNIT_C");
	env = env_build(changes);
	CHECK_STR(env_get(env, "UNIT_A"), "new");
	CHECK(env_get(env, "UNIT_B") == NULL);
	CHECK_STR(env_get(env, "UNIT_C"), "added");
	CHECK(env_get(env, "UNIT_NONE") == NULL);
	/* A name that starts like a changed one (UNIT_A), or that one starts like (UNIT_ABC), stays. */
	CHECK_STR(env_get(env, "UNIT_AB"), "kept");
	CHECK_STR(env_get(env, "PATH"), getenv("PATH"));
	/* Ours is untouched. */
	CHECK_STR(getenv("UNIT_A"), "old");
	for (char **e = env; *e; e++)
		n++;
	for (char **e = environ; *e; e++)
		n_ours++;
	/* One replaced, one removed, one added. */
	CHECK(n == n_ours);
	env_free(env);
	env = env_build(NULL);
	n = 0;
	for (char **e = env; *e; e++)
		n++;
	CHECK(n == n_ours);
	env_free(env);
	unsetenv("UNIT_A");
	unsetenv("UNIT_B");
	unsetenv("UNIT_AB");
}

static void test_files(void)
{
	char *exe = self_exe(), *p, *unit;
	const char *slash;

	CHECK(exe != NULL);
	slash = exe ? strrchr(exe, '/') : NULL;
	CHECK_STR(slash, "/test_wrapper");
	/* This test runs from build/.../unit/ inside the checkout: its own source is found above. */
	p = tree_file("tests/unit/test_wrapper.c");
	CHECK(p != NULL && access(p, R_OK) == 0);
	unit = p ? xasprintf("%.*s/tests/unit/unit.h", (int)(strlen(p) - strlen("/tests/unit/test_wrapper.c")), p)
		 : NULL;
	CHECK(unit != NULL && access(unit, R_OK) == 0);
	free(unit);
	CHECK(tree_file("tests/unit/no-such-file.c") == NULL);
	/* data_file: the variable first, then the tree, then the name itself. */
	setenv("UNIT_DATA", "/elsewhere/rules.yaml", 1);
	char *d = data_file("UNIT_DATA", "tests/unit/test_wrapper.c");
	CHECK_STR(d, "/elsewhere/rules.yaml");
	free(d);
	setenv("UNIT_DATA", "", 1);
	d = data_file("UNIT_DATA", "tests/unit/test_wrapper.c");
	CHECK_STR(d, p);
	free(d);
	d = data_file(NULL, "tests/unit/no-such-file.c");
	CHECK_STR(d, "tests/unit/no-such-file.c");
	free(d);
	unsetenv("UNIT_DATA");
	free(p);
	free(exe);
}

int main(void)
{
	test_alloc();
	test_clock();
	test_messages();
	test_sbuf_detach();
	test_find_on_path();
	test_env_build();
	test_files();
	UNIT_DONE("test_wrapper");
}
