/* Helpers of the fuzz harnesses: see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rm_tree(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_dir(void)
{
	if (dir != NULL)
		rm_tree(dir);
}

static _Noreturn void fail(const char *what, const char *path)
{
	fprintf(stderr, "fuzz: %s: '%s': %s\n", what, path, strerror(errno));
	abort();
}

const char *fuzz_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir != NULL)
		return dir;
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (asprintf(&dir, "%s/fuzz-XXXXXX", tmp) < 0)
		abort();
	if (mkdtemp(dir) == NULL)
		fail("cannot make a scratch folder", dir);
	atexit(remove_dir);
	return dir;
}

char *fuzz_path(const char *rel)
{
	const char *d = fuzz_dir();
	size_t n = strlen(d) + strlen(rel) + 2;
	char *p = malloc(n);

	if (p == NULL)
		abort();
	snprintf(p, n, "%s/%s", d, rel);
	return p;
}

static void make_parents(char *path)
{
	for (char *s = strchr(path + 1, '/'); s != NULL; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			fail("cannot make a folder", path);
		*s = '/';
	}
}

void fuzz_write(const char *rel, const void *data, size_t size)
{
	char *path = fuzz_path(rel);
	const char *p = data;
	int fd;

	make_parents(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail("cannot write", path);
	while (size > 0) {
		ssize_t n = write(fd, p, size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("cannot write", path);
		p += n;
		size -= (size_t)n;
	}
	if (close(fd) < 0)
		fail("cannot write", path);
	free(path);
}

int fuzz_copy(const char *src, const char *rel)
{
	FILE *f = fopen(src, "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;

	if (f == NULL)
		return -1;
	mem = open_memstream(&buf, &len);
	if (mem == NULL)
		abort();
	for (int c; (c = getc(f)) != EOF;)
		putc(c, mem);
	fclose(f);
	fclose(mem);
	fuzz_write(rel, buf, len);
	free(buf);
	return 0;
}

void fuzz_remove(const char *rel)
{
	char *path = fuzz_path(rel);

	rm_tree(path);
	free(path);
}

char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
