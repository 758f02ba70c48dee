/* What every provider shares: state folders, background processes recorded by pid, waiting. */
#include "kindctl.h"
#include "fsio.h"
#include "http.h"
#include "kube.h"
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

char *cluster_dir(const struct kopts *o)
{
	return xasprintf("%s/clusters/%s", o->state, o->name);
}

char *cluster_file(const struct kopts *o, const char *file)
{
	char *d = cluster_dir(o), *p = fs_join(d, file);

	free(d);
	return p;
}

long proc_file_read(int pid, const char *what, char *buf, size_t size)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* The start time (clock ticks after boot) of process pid, 0 when there is none; a zombie
   (exited, not yet reaped: where PID 1 reaps late, seconds) counts as none when zombie_dead. */
static unsigned long long proc_start_time(int pid, int zombie_dead)
{
	char buf[1024];

	if (proc_file_read(pid, "stat", buf, sizeof(buf)) < 0)
		return 0;
	/* The command name may hold spaces and parentheses: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return 0;
	p++;
	if (zombie_dead && p[0] == ' ' && p[1] == 'Z')
		return 0;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

static unsigned long long start_time(int pid)
{
	return proc_start_time(pid, 0);
}

int bg_start(char *const argv[], char *const env[], const char *log, const char *pidfile)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t stop, was;
	pid_t pid;
	int e;

	/* A Ctrl-C or TERM between the start and the record would leave it running unrecorded
	   (an interrupted arm-start): held until the pid file is written. The child starts with
	   the mask we had. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigprocmask(SIG_BLOCK, &stop, &was);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	/* Nothing else of ours (locks, bats' pipes) is held open by a long-lived child. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	/* Its own session: a Ctrl-C meant for the pipeline does not reach it; we stop it by pid. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigmask(&attr, &was);
	e = posix_spawn(&pid, argv[0], &fa, &attr, argv, env ? env : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (e != 0) {
		sigprocmask(SIG_SETMASK, &was, NULL);
		errno = e;
		return errorf_errno("cannot start '%s'", argv[0]);
	}
	/* Record it before anything else can fail, so it can always be stopped. */
	char line[64];
	int n = snprintf(line, sizeof(line), "%d %llu\n", (int)pid, start_time(pid));
	if (fs_write_atomic(pidfile, line, (size_t)n) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sigprocmask(SIG_SETMASK, &was, NULL);
		return -1;
	}
	sigprocmask(SIG_SETMASK, &was, NULL);
	return (int)pid;
}

int run_logged(char *const argv[], char *const env[], const char *log, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int e, st = 0;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, env ? env : environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e != 0) {
		errno = e;
		return errorf_errno("cannot run '%s'", argv[0]);
	}
	double deadline = mono_now() + timeout_ms / 1000.0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return errorf_errno("cannot wait for '%s'", argv[0]);
		if (mono_now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return errorf("'%s' did not finish within %d s (see %s)", argv[0], timeout_ms / 1000, log);
		}
		sleep_ms(20);
	}
	if (WIFSIGNALED(st))
		return errorf("'%s' was killed by signal %d (see %s)", argv[0], WTERMSIG(st), log);
	return WEXITSTATUS(st);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
		return errorf_errno("cannot remove '%s'", path);
	return 0;
}

int rm_tree(const char *path)
{
	if (!fs_is_dir(path))
		return unlink(path) < 0 && errno != ENOENT ? errorf_errno("cannot remove '%s'", path) : 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int write_private_file(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);	/* mode 0600 */
	int e = 0;
	size_t off = 0;

	if (fd < 0) {
		free(tmp);
		return errorf_errno("cannot write '%s'", path);
	}
	while (off < len && e == 0) {
		ssize_t w = write(fd, data + off, len - off);
		if (w > 0)
			off += (size_t)w;
		else if (errno != EINTR)
			e = errno;
	}
	if (e == 0 && fsync(fd) < 0)
		e = errno;
	if (close(fd) < 0 && e == 0)
		e = errno;
	if (e == 0 && rename(tmp, path) < 0)
		e = errno;
	if (e != 0)
		unlink(tmp);
	free(tmp);
	errno = e;
	return e ? errorf_errno("cannot write '%s'", path) : 0;
}

int pid_alive(const char *pidfile, int *pidp)
{
	char *text = fs_read(pidfile, NULL);
	int pid = 0;
	unsigned long long st = 0;

	if (text == NULL)
		return 0;
	if (sscanf(text, "%d %llu", &pid, &st) != 2 || pid <= 1) {
		free(text);
		return 0;
	}
	free(text);
	if (pidp)
		*pidp = pid;
	/* Our child may be a zombie until reaped: reap it if it is ours. */
	waitpid(pid, NULL, WNOHANG);
	return kill(pid, 0) == 0 && proc_start_time(pid, 1) == st;
}

int pid_stop(const char *pidfile, int timeout_ms)
{
	int pid = 0;

	if (!pid_alive(pidfile, &pid)) {
		unlink(pidfile);
		return 0;
	}
	kill(pid, SIGTERM);
	double deadline = mono_now() + timeout_ms / 1000.0;
	while (pid_alive(pidfile, NULL) && mono_now() < deadline)
		sleep_ms(20);
	if (pid_alive(pidfile, NULL)) {
		kill(pid, SIGKILL);
		deadline = mono_now() + 5;
		while (pid_alive(pidfile, NULL) && mono_now() < deadline)
			sleep_ms(20);
		if (pid_alive(pidfile, NULL))
			return errorf("process %d ('%s') does not stop", pid, pidfile);
	}
	unlink(pidfile);
	return 0;
}

int wait_http_ok(const char *url, double timeout_s)
{
	struct http_client *c = http_client_new();
	double deadline = mono_now() + timeout_s;
	int ok = 0;

	while (!ok && mono_now() < deadline) {
		struct http_request req = { url, 1000, 2000, 1 << 20, NULL };
		struct http_response res;
		memset(&res, 0, sizeof(res));
		http_get(c, &req, &res);
		ok = res.code == CURLE_OK && res.status >= 200 && res.status < 300;
		http_response_free(&res);
		/* Poll the condition at a short interval until the deadline. */
		if (!ok)
			sleep_ms(100);
	}
	http_client_free(c);
	return ok ? 0 : -1;
}

char *template_fill(const char *text, const char *const *keys, const char *const *values, size_t n)
{
	struct sbuf sb = SBUF_INIT;

	for (const char *p = text; *p;) {
		size_t k;
		for (k = 0; k < n; k++) {
			size_t len = strlen(keys[k]);
			if (p[0] == '@' && strncmp(p + 1, keys[k], len) == 0 && p[1 + len] == '@') {
				sbuf_add(&sb, values[k]);
				p += len + 2;
				break;
			}
		}
		if (k == n)
			sbuf_addn(&sb, p++, 1);
	}
	return sbuf_detach(&sb);
}

int engine_answers(const char *engine)
{
	/* Fields every version of each engine has: Docker's daemon ID, Podman's host arch. */
	char *argv[] = { (char *)engine, "info", "--format",
			 strcmp(engine, "podman") == 0 ? "{{.Host.Arch}}" : "{{.ID}}", NULL };
	struct sbuf out = SBUF_INIT;
	int st = 0, rc, saved, null;

	/* The engine's complaints ("cannot connect to the daemon") are not ours to print. */
	fflush(stderr);
	saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && null >= 0)
		dup2(null, 2);
	rc = proc_run(argv, environ, 20000, 1 << 16, 0, &out, &st);
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (null >= 0)
		close(null);
	sbuf_free(&out);
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

const char *detect_provider(void)
{
	if (engine_answers("docker") || engine_answers("podman"))
		return "kind";
	return "local";
}
