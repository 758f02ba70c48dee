/* Whole-file reads, atomic writes and folder listings. */
#include "fsio.h"
#include "msg.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fs_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			char *p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno ? errno : EIO;
		free(buf);
		fclose(f);
		errno = e;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int fs_write_atomic(const char *path, const char *data, size_t len)
{
	if (strcmp(path, "-") == 0) {
		if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
			return errorf("cannot write to stdout: %s", strerror(errno));
		return 0;
	}

	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) : 0;
	char *tmp = NULL;
	int fd;

	if (*base == '\0')
		return errorf("cannot write '%s': not a file name", path);
	if (asprintf(&tmp, "%.*s%s.%s.XXXXXX", dirlen, path, slash ? "/" : "", base) < 0)
		return errorf("out of memory");
	fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		return errorf("cannot write '%s': %s", path, strerror(e));
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return errorf("cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		return errorf("cannot write '%s': %s", path, strerror(e));
	}
	free(tmp);
	return 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int fs_mkdirs(const char *path)
{
	char *p = strdup(path);

	if (p == NULL)
		return errorf("out of memory");
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				errorf("cannot create folder '%s': %s", p, strerror(e));
				free(p);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	if (!fs_is_dir(path))
		return errorf("cannot create folder '%s': a file is in the way", path);
	return 0;
}

char *fs_join(const char *a, const char *b)
{
	char *s = NULL;
	size_t la = strlen(a);

	if (asprintf(&s, "%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b) < 0)
		dief(EXIT_TROUBLE, "out of memory");
	return s;
}

int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t na = strspn(a, "0123456789"), nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			int c = strncmp(a, b, na);
			if (c)
				return c;
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int cmp_names(const void *x, const void *y)
{
	return natural_cmp(*(char *const *)x, *(char *const *)y);
}

char **fs_subdirs(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	char **list = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;

	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *full = fs_join(dir, e->d_name);
		int isdir = fs_is_dir(full);
		free(full);
		if (!isdir)
			continue;
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			char **p = realloc(list, cap * sizeof(*list));
			if (p == NULL)
				dief(EXIT_TROUBLE, "out of memory");
			list = p;
		}
		list[n] = strdup(e->d_name);
		if (list[n] == NULL)
			dief(EXIT_TROUBLE, "out of memory");
		n++;
	}
	closedir(d);
	if (list == NULL) {
		list = calloc(1, sizeof(*list));
		if (list == NULL)
			dief(EXIT_TROUBLE, "out of memory");
	}
	list[n] = NULL;
	qsort(list, n, sizeof(*list), cmp_names);
	if (count)
		*count = n;
	return list;
}

void fs_free_list(char **list)
{
	if (list == NULL)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}
