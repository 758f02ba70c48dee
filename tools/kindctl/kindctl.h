/*
 * kindctl: clusters and controller arms behind one command line, whatever the provider
 * (kind, the local control plane, or an existing cluster). See CONTRACT.md.
 */
#ifndef KINDCTL_H
#define KINDCTL_H

#include <stddef.h>
#include "wrapper.h"	/* tree_file(), mono_now() */

struct kopts {
	const char *provider;	/* kind, local, existing (auto resolved before dispatch) */
	const char *state;	/* state root; a cluster's folder is state/clusters/<name> */
	const char *name;
	const char *context;	/* existing: kubeconfig context */
	const char *kubeconfig;	/* existing: kubeconfig files */
	const char *prometheus_url;	/* existing: a Prometheus the user runs */
	long workers;		/* create: simulated or kind worker nodes (6) */
	long port_offset;	/* create: host ports 8080+K / 8443+K, Prometheus 9091+K */
	long port;		/* prometheus-start: port, 0 for the default */
	const char *arm;	/* old or new */
	const char *image;	/* stakater/reloader:vX.Y.Z, bin:/path, or any image (kind) */
	const char **args;	/* extra controller arguments */
	size_t nargs;
	const char *log;	/* arm-start/arm-stop: where the controller's log goes */
	long api_delay;		/* arm-start (local): ms the arm's API requests are held by a proxy;
				   -1: no proxy */
	char **rest;		/* load-image: images */
	int nrest;
};

/* One provider: each verb returns an exit status (0, 1, or 2 for bad input). */
struct provider {
	const char *name;
	int (*create)(const struct kopts *o);
	int (*delete_)(const struct kopts *o);
	int (*exists)(const struct kopts *o);
	int (*kubeconfig)(const struct kopts *o);
	int (*load_image)(const struct kopts *o);
	int (*prometheus_start)(const struct kopts *o);
	int (*prometheus_stop)(const struct kopts *o);
	int (*arm_start)(const struct kopts *o);
	int (*arm_stop)(const struct kopts *o);
	int (*arm_restart)(const struct kopts *o);
	int (*arm_metrics_url)(const struct kopts *o);
	int (*arm_status)(const struct kopts *o);
};

extern const struct provider provider_local;
extern const struct provider provider_kind;
extern const struct provider provider_existing;

/*
 * Whether the local provider runs each arm in a network namespace of its own (root, unless
 * LOADTEST_NETNS=off): 1, or 0 with the reason in why.
 */
int local_arms_isolated(char *why, size_t size);

/* Whether the engine's daemon answers (docker or podman), not just its client being installed. */
int engine_answers(const char *engine);
/* "kind" when a container engine answers (docker, or podman), else "local". */
const char *detect_provider(void);

/* ---- common.c: state folders, processes recorded by pid ---- */

/* malloc'd state/clusters/<name>[/<file>]. */
char *cluster_dir(const struct kopts *o);
char *cluster_file(const struct kopts *o, const char *file);
/*
 * Start argv in the background, detached from our terminal's signals, stdout and stderr
 * appended to log, environment env (NULL: ours). Records "pid starttime" in pidfile
 * (atomically). Returns the pid, or -1 after printing why.
 */
int bg_start(char *const argv[], char *const env[], const char *log, const char *pidfile);
/* /proc/PID/WHAT ("stat", "cmdline") into buf, NUL-terminated (cut at size - 1 bytes; a
   command line's arguments stay NUL-separated); its length, or -1 when there is no such process. */
long proc_file_read(int pid, const char *what, char *buf, size_t size);
/* Whether the process recorded in pidfile is still the one we started (pid and start time). */
int pid_alive(const char *pidfile, int *pid);
/*
 * Stop the process recorded in pidfile: SIGTERM, then SIGKILL after timeout_ms, waiting
 * until it is gone. Removes the pidfile. A pid no longer ours (reused) is left alone.
 * Returns 0, or -1 after printing why.
 */
int pid_stop(const char *pidfile, int timeout_ms);
/* GET url until it answers 2xx or deadline (seconds) passes; 0 or -1. */
int wait_http_ok(const char *url, double timeout_s);
/*
 * Run argv (no shell) with stdout and stderr appended to log, environment env (NULL: ours),
 * waiting at most timeout_ms. Returns its exit status, or -1 after printing why (could not
 * start, killed after the timeout, killed by a signal).
 */
int run_logged(char *const argv[], char *const env[], const char *log, int timeout_ms);
/* rm -rf, without a shell; 0 or -1 after printing why. */
int rm_tree(const char *path);
/* A file only we may read (mode 0600: a kubeconfig holds keys), written atomically (a temp
   name in the same folder, renamed). 0, or -1 after printing why. */
int write_private_file(const char *path, const char *data, size_t len);
/* Substitute @KEY@ placeholders of a template; malloc'd. */
char *template_fill(const char *text, const char *const *keys, const char *const *values, size_t n);

#endif
