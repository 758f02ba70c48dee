/* Whole-file reads, atomic writes and folder listings. */
#include "fsio.h"
#include "msg.h"
#include "wrapper.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the last refusal of fs_read_max saw, for fs_strerror (per thread). */
static _Thread_local mode_t refused_mode;
static _Thread_local size_t refused_max;

static const char *file_type(mode_t m)
{
	if (S_ISDIR(m))
		return "a folder";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

const char *fs_strerror(int e)
{
	static _Thread_local char buf[96];

	switch (e) {
	case FS_ENOTREG:
		snprintf(buf, sizeof(buf), "not a regular file (%s)", file_type(refused_mode));
		return buf;
	case FS_ETOOBIG:
		snprintf(buf, sizeof(buf), "larger than %zu MiB, the limit for this kind of file",
			 refused_max >> 20);
		return buf;
	case FS_EDANGLING:
		return "a symbolic link to a file that does not exist";
	default:
		return strerror(e);
	}
}

static char *fail(int fd, char *buf, int e)
{
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = e;
	return NULL;
}

char *fs_read_max(const char *path, size_t max, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap;
	int fd;

	/* O_NONBLOCK: opening a FIFO with no writer, or a device, must not wait. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
			e = FS_EDANGLING;
		return fail(-1, NULL, e);
	}
	if (fstat(fd, &st) < 0)
		return fail(fd, NULL, errno);
	if (!S_ISREG(st.st_mode)) {
		refused_mode = st.st_mode;
		return fail(fd, NULL, FS_ENOTREG);
	}
	if ((unsigned long long)st.st_size > max) {
		refused_max = max;
		return fail(fd, NULL, FS_ETOOBIG);
	}
	/* Room for the size fstat gave and one byte more, to see the end (or a file that grew). */
	cap = (size_t)st.st_size + 2;
	if ((buf = malloc(cap)) == NULL)
		return fail(fd, NULL, ENOMEM);
	for (;;) {
		if (cap - n < 2) {
			size_t more = cap < max + 2 - cap ? cap * 2 : max + 2;
			char *p = more > cap ? realloc(buf, more) : NULL;
			refused_max = max;
			if (p == NULL)
				return fail(fd, buf, more > cap ? ENOMEM : FS_ETOOBIG);
			buf = p;
			cap = more;
		}
		ssize_t got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return fail(fd, buf, errno);
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			refused_max = max;
			return fail(fd, buf, FS_ETOOBIG);
		}
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *fs_read(const char *path, size_t *len)
{
	return fs_read_max(path, FS_MAX_CONFIG, len);
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
			return errorf_errno("cannot write to stdout");
		return 0;
	}

	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) : 0;
	char *tmp;
	int fd;

	if (*base == '\0')
		return errorf("cannot write '%s': not a file name", path);
	tmp = xasprintf("%.*s%s.%s.XXXXXX", dirlen, path, slash ? "/" : "", base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		errorf_errno("cannot write '%s'", path);
		free(tmp);
		return -1;
	}
	if (write_all(fd, data, len) < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		errorf_errno("cannot write '%s'", path);
		close(fd);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		errorf_errno("cannot write '%s'", path);
		unlink(tmp);
		free(tmp);
		return -1;
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
	char *p = xstrdup(path);

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				errorf_errno("cannot create folder '%s'", p);
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
	size_t la = strlen(a);

	return xasprintf("%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b);
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
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (list == NULL)
		list = xcalloc(1, sizeof(*list));
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
