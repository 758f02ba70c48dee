/* Helpers for the kubeconfig and kube client tests: scratch folders, files, stderr capture, children. */
#ifndef KUBETEST_H
#define KUBETEST_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A fresh folder under /tmp; malloc'd. */
static inline char *kt_tmpdir(void)
{
	char tmpl[] = "/tmp/unit-kube-XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	return strdup(tmpl);
}

static inline int kt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void kt_rmrf(const char *dir)
{
	nftw(dir, kt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name; a static buffer per call site is too fragile, so malloc'd. */
static inline char *kt_path(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		exit(2);
	return p;
}

/* Write text to dir/name (folders on the way created) with mode; returns the malloc'd path. */
static inline char *kt_write(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = kt_path(dir, name);

	mkdir(dir, 0755);
	for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(p);
		exit(2);
	}
	chmod(p, mode);
	return p;
}

static inline char *kt_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;

	if (f == NULL)
		return NULL;
	FILE *m = open_memstream(&buf, &n);
	int c;
	while ((c = getc(f)) != EOF)
		putc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* stderr into a temporary file between begin and end; end returns what was written (malloc'd). */
struct kt_capture {
	int saved;
	char path[64];
};

static inline void kt_capture_begin(struct kt_capture *c)
{
	int fd;

	snprintf(c->path, sizeof(c->path), "/tmp/unit-stderr-XXXXXX");
	fd = mkstemp(c->path);
	fflush(stderr);
	c->saved = dup(2);
	if (fd < 0 || c->saved < 0 || dup2(fd, 2) < 0) {
		perror("capture");
		exit(2);
	}
	close(fd);
}

static inline char *kt_capture_end(struct kt_capture *c)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	char *text = kt_read(c->path);
	unlink(c->path);
	return text ? text : strdup("");
}

static inline int kt_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The repository's top folder: $REPO_ROOT, else found from our own path (build/X/unit/test_Y). */
static inline const char *kt_repo(void)
{
	static char root[PATH_MAX];
	const char *env = getenv("REPO_ROOT");
	ssize_t n;

	if (env != NULL && *env != '\0')
		return env;
	if (root[0] != '\0')
		return root;
	n = readlink("/proc/self/exe", root, sizeof(root) - 1);
	if (n < 0)
		return ".";
	root[n] = '\0';
	for (int i = 0; i < 4; i++) {
		char *slash = strrchr(root, '/');
		if (slash == NULL)
			return ".";
		*slash = '\0';
	}
	return root;
}

/* Spawn argv (no shell) with stdout and stderr sent to logfile (NULL: /dev/null); returns the pid. */
static inline pid_t kt_spawn(char *const argv[], const char *logfile)
{
	posix_spawn_file_actions_t fa;
	extern char **environ;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, logfile ? logfile : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(rc));
		return -1;
	}
	return pid;
}

/* Run argv to completion quietly; its exit status, or -1. */
static inline int kt_run(char *const argv[])
{
	pid_t pid = kt_spawn(argv, NULL);
	int st;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
