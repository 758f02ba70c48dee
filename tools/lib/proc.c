/* Child processes without a shell: posix_spawn of a program found on PATH, stdout through a pipe, a deadline. */
#include "proc.h"
#include "fsio.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long long now_ms(void)
{
	return (long long)(mono_now() * 1000);
}

/* Milliseconds left before the deadline for poll(2); -1 (wait for ever) when there is none. */
static int left_ms(long long deadline)
{
	long long left;

	if (deadline == 0)
		return -1;
	left = deadline - now_ms();
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Kill the child (and with PROC_GROUP its whole group, which its unreaped pid keeps ours), then reap it. */
static void kill_and_reap(pid_t pid, int flags)
{
	kill(flags & PROC_GROUP ? -pid : pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Has the child exited? Asked without reaping it: its pid, and so its group's id, stay ours. */
static int exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/*
 * Find argv[0] on PATH first, as posix_spawnp would: a child that cannot exec reports
 * nothing but exit status 127 where posix_spawn falls back to fork (under valgrind).
 */
char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;
	int err = ENOENT;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	copy = xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = fs_join(*dir ? dir : ".", name);
		if (access(full, X_OK) == 0 && fs_is_file(full)) {
			found = full;
			break;
		}
		if (errno == EACCES)
			err = EACCES;
		free(full);
	}
	free(copy);
	if (found == NULL)
		errno = err;
	return found;
}

/* find_on_path, with the reason it found nothing in *err. */
static char *find_program(const char *name, int *err)
{
	char *p = find_on_path(name);

	*err = p ? 0 : errno;
	return p;
}

char **env_build(const char *const *changes)
{
	extern char **environ;
	size_t n = 0, m = 0, j = 0;
	char **env;

	while (environ[n])
		n++;
	while (changes && changes[m])
		m++;
	env = xcalloc(n + m + 1, sizeof(*env));
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		int changed = 0;
		for (size_t c = 0; c < m && !changed; c++)
			changed = strcspn(changes[c], "=") == len && strncmp(changes[c], environ[i], len) == 0;
		if (!changed)
			env[j++] = xstrdup(environ[i]);
	}
	for (size_t c = 0; c < m; c++)
		if (strchr(changes[c], '=') != NULL)
			env[j++] = xstrdup(changes[c]);
	env[j] = NULL;
	return env;
}

void env_free(char **env)
{
	if (env == NULL)
		return;
	for (char **e = env; *e; e++) {
		explicit_bzero(*e, strlen(*e));
		free(*e);
	}
	free(env);
}

static int spawn(pid_t *pid, char *const argv[], char *const envp[], int outfd, int flags)
{
	char *prog;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int rc;

	if ((prog = find_program(argv[0], &rc)) == NULL)
		return rc;
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		free(prog);
		return rc;
	}
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		free(prog);
		return rc;
	}
	/* The child starts with no blocked signals and SIGPIPE at its default, whatever ours are. */
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	if ((rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) == 0 &&
	    (rc = posix_spawn_file_actions_adddup2(&fa, outfd, 1)) == 0 &&
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) == 0 &&
	    (rc = posix_spawnattr_setsigdefault(&attr, &dfl)) == 0 &&
	    (rc = posix_spawnattr_setpgroup(&attr, 0)) == 0 &&
	    (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					   (flags & PROC_GROUP ? POSIX_SPAWN_SETPGROUP : 0))) == 0)
		rc = posix_spawn(pid, prog, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(prog);
	return rc;
}

/* Wait for the child to end, killing it at the deadline (0: none); 0, or -1 with errno set. */
static int wait_child(pid_t pid, long long deadline, int flags, int *wstatus)
{
	for (;;) {
		if ((flags & PROC_GROUP) && exited(pid))
			kill(-pid, SIGKILL);
		pid_t w = waitpid(pid, wstatus, deadline || (flags & PROC_GROUP) ? WNOHANG : 0);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -1;
		if (deadline && now_ms() >= deadline) {
			kill_and_reap(pid, flags);
			errno = ETIMEDOUT;
			return -1;
		}
		if (w == 0)
			sleep_ms(10);
	}
}

int proc_run(char *const argv[], char *const envp[], int timeout_ms, size_t max, int flags,
	     struct sbuf *out, int *wstatus)
{
	long long deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0, grace = 0;
	int fds[2], rc;
	pid_t pid;
	char buf[4096];

	/* Close-on-exec, so that no other child keeps the pipe open and delays our EOF. */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	rc = spawn(&pid, argv, envp, fds[1], flags);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		errno = rc;
		return -1;
	}
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int wait = left_ms(deadline);

		/* In a group, look at the child every 20 ms: its stdout may outlive it. */
		if (flags & PROC_GROUP) {
			long long now = now_ms();
			if (grace == 0 && exited(pid)) {
				/* It answered: what it left running has nothing to add. */
				kill(-pid, SIGKILL);
				grace = now + PROC_GRACE_MS;
			}
			if (grace != 0 && now >= grace)
				break;
			if (wait < 0 || wait > 20)
				wait = 20;
		}
		int n = poll(&p, 1, wait);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 && deadline && now_ms() >= deadline) {
			rc = ETIMEDOUT;
			break;
		}
		if (n <= 0)
			continue;
		ssize_t got = read(fds[0], buf, sizeof(buf));
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			break;
		if (out->len + (size_t)got > max) {
			rc = EFBIG;
			break;
		}
		sbuf_addn(out, buf, (size_t)got);
	}
	close(fds[0]);
	explicit_bzero(buf, sizeof(buf));
	if (rc != 0) {
		kill_and_reap(pid, flags);
		errno = rc;
		return -1;
	}
	/* The child closed its stdout; it may still linger, so the deadline still holds. */
	return wait_child(pid, deadline, flags, wstatus);
}

const char *proc_status_text(int wstatus, char *buf, size_t size)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, size, "was killed by signal %d (%s)", WTERMSIG(wstatus),
			 strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, size, "ended with wait status %d", wstatus);
	return buf;
}
