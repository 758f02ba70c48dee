/*
 * The local provider's files, between themselves: the cluster (provider_local.c), its
 * Prometheus (local_prometheus.c), an arm's way to the API server, proxy or network
 * namespace bridge (local_armnet.c), and the arms (local_arms.c). Every file of a cluster
 * lives in its state folder (cluster_file), every process is recorded by pid there.
 */
#ifndef KINDCTL_LOCAL_H
#define KINDCTL_LOCAL_H

#include <stddef.h>
#include "kindctl.h"

/* ---- provider_local.c ---- */

/* stakater/reloader:vX.Y.Z -> the binary built from that release; bin:/path -> that file.
   malloc'd, or NULL after printing why. */
char *reloader_binary(const struct kopts *o, const char *image);
/* Stop the process recorded in the cluster's file (10 s, then SIGKILL); 0 or -1. */
int stop_pidfile(const struct kopts *o, const char *file);

/* ---- local_prometheus.c: the verbs, and the arm Prometheus scrapes ---- */

int local_prometheus_start(const struct kopts *o);
int local_prometheus_stop(const struct kopts *o);
/* Point Prometheus's file discovery at the arm (job reloader-ARM at 127.0.0.1:PORT addr), or
   at none (arm NULL); nothing where the arms have fixed ports. 0 or -1. */
int set_target(const struct kopts *o, const char *arm, const char *addr);

/* ---- local_armnet.c: an arm's proxy (--api-delay) and network namespace bridge ---- */

/* state/clusters/<name>/arm-<arm><suffix>; malloc'd. */
char *arm_file(const struct kopts *o, const char *suffix);
/* This kindctl's own binary, malloc'd (for the internal verbs it runs), or NULL after printing why. */
char *self_path(void);
/* Start the arm's proxy (client-to-server bytes held delay ms) and write the arm's own
   kubeconfig pointing at it; stop it and remove that kubeconfig. 0, or -1 after printing why. */
int proxy_start(const struct kopts *o, long delay);
int proxy_stop(const struct kopts *o);
int proxy_running(const struct kopts *o);
/* The delay the arm's proxy was started with into *ms (-1: none); 0, or -1 after printing why. */
int recorded_delay(const struct kopts *o, long *ms);
/* Start the arm's bridge (its network namespace is /proc/PID/ns/net), its host port of the
   controller's metrics into *port; stop it. 0, or -1 after printing why. */
int bridge_start(const struct kopts *o, long delay, int *pid, int *port);
int bridge_stop(const struct kopts *o);
/* The arm's bridge, running: 1 with its pid, host port and delay, else 0. */
int bridge_running(const struct kopts *o, int *pid, int *port, long *delay);

/* ---- local_arms.c: the arm verbs ---- */

int local_arm_start(const struct kopts *o);
int local_arm_stop(const struct kopts *o);
int local_arm_restart(const struct kopts *o);
int local_arm_metrics_url(const struct kopts *o);
int local_arm_status(const struct kopts *o);

#endif
