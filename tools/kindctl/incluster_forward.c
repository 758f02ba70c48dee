/* Prometheus's port-forward: kubectl port-forward started in the background, recorded by pid,
   given up on when Prometheus does not answer through it. */
#include "incluster.h"
#include "fsio.h"
#include "msg.h"
#include "proc.h"
#include "wrapper.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define FORWARD_TIMEOUT_S 60.0

char *ic_forward_pidfile(const struct kopts *o)
{
	return cluster_file(o, "prometheus-port-forward.pid");
}

/* The last non-empty line of a file, for a message; "" when there is none. */
static void last_line(const char *path, char *buf, size_t size)
{
	size_t len;
	char *text = fs_read_max(path, FS_MAX_DATA, &len);

	buf[0] = '\0';
	if (text == NULL)
		return;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		text[--len] = '\0';
	char *nl = strrchr(text, '\n');
	snprintf(buf, size, "%.300s", nl ? nl + 1 : text);
	free(text);
}

/*
 * Mark every descriptor from 3 up close-on-exec: bg_start hands a child all that are not,
 * and a long-lived port-forward holding its caller's pipes or lock files would keep a
 * pipeline waiting, or a lock taken, after we are gone.
 */
static void cloexec_all(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name), fl;
		if (fd >= 3 && fd != dirfd(d) && (fl = fcntl(fd, F_GETFD)) >= 0)
			fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	closedir(d);
}

/* Our own child: TERM, then KILL after 5 s; reaped. */
static void stop_child(pid_t pid)
{
	double deadline = mono_now() + 5;

	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (mono_now() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return;
		}
		poll(NULL, 0, 20);
	}
}

int ic_port_forward(const struct kopts *o, const struct access *a, long port)
{
	char *dir = cluster_dir(o), *pidfile = ic_forward_pidfile(o), *log = cluster_file(o, "prometheus-port-forward.log");
	char *kubectl = NULL, *envkc = NULL, **env = NULL, ports[32], url[64], ready[80], line[400];
	int rc = EXIT_FAILED, pid, st;

	snprintf(ports, sizeof(ports), "%ld:9090", port);
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
	snprintf(ready, sizeof(ready), "%s/-/ready", url);
	if (fs_mkdirs(dir) < 0)
		goto out;
	/* An earlier forward of ours goes first: it may hold the port. */
	if (pid_stop(pidfile, 5000) < 0)
		goto out;
	kubectl = find_on_path("kubectl");
	if (kubectl == NULL) {
		errorf("cannot run 'kubectl' for the Prometheus port-forward: not found on PATH");
		goto out;
	}
	char *argv[] = { kubectl, "port-forward", "--address", "127.0.0.1", "-n", PROM_NS, "svc/" PROM_NAME, ports,
			 a->context ? "--context" : NULL, (char *)a->context, NULL };
	/* Our environment, with KUBECONFIG set to the access's files when it names them. */
	envkc = a->kubeconfig ? xasprintf("KUBECONFIG=%s", a->kubeconfig) : NULL;
	const char *changes[] = { envkc, NULL };
	env = env_build(changes);
	fflush(stdout);
	cloexec_all();
	pid = bg_start(argv, env, log, pidfile);
	if (pid < 0)
		goto out;
	/* It is our child until we exit: whether it still runs, waitpid says best. */
	double deadline = mono_now() + FORWARD_TIMEOUT_S;
	int ok = 0, exited = 0;
	while (!ok && !exited && mono_now() < deadline) {
		exited = waitpid(pid, &st, WNOHANG) == pid;
		if (!exited)
			ok = wait_http_ok(ready, 1.0) == 0;
	}
	if (!ok) {
		if (!exited)
			stop_child(pid);
		unlink(pidfile);
		last_line(log, line, sizeof(line));
		errorf("Prometheus did not answer on %s through kubectl port-forward (%s)%s%s", url,
		       exited ? "it exited" : "timed out", *line ? ": " : "", line);
		goto out;
	}
	printf("%s\n", url);
	rc = 0;
out:
	free(dir);
	free(pidfile);
	free(log);
	free(kubectl);
	free(envkc);
	env_free(env);
	return rc;
}

