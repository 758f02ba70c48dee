/* Allocators that die, the monotonic clock and sleep, this binary's path and the tree's data files. */
#include "wrapper.h"
#include "fsio.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static _Noreturn void out_of_memory(void)
{
	dief(EXIT_TROUBLE, "out of memory");
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	if (q == NULL)
		out_of_memory();
	return q;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		out_of_memory();
	return p;
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms <= 0)
		return;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *self_exe(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		return NULL;
	}
	buf[n] = '\0';
	return xstrdup(buf);
}

char *tree_file(const char *rel)
{
	char *dir = self_exe(), *slash;

	if (dir == NULL)
		return NULL;
	while ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		char *p = fs_join(dir[0] ? dir : "/", rel);
		if (fs_is_file(p)) {
			free(dir);
			return p;
		}
		free(p);
	}
	free(dir);
	return NULL;
}

char *data_file(const char *env, const char *rel)
{
	const char *v = env ? getenv(env) : NULL;
	char *p;

	if (v != NULL && *v != '\0')
		return xstrdup(v);
	p = tree_file(rel);
	return p ? p : xstrdup(rel);
}
