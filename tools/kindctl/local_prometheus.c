/*
 * The local provider's Prometheus: Debian's package as a host process recorded by pid, on
 * 127.0.0.1, finding the running arm by file-based discovery (targets.json).
 */
#include "local.h"
#include "fsio.h"
#include "msg.h"
#include "netport.h"
#include "sbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The arm Prometheus scrapes: job reloader-ARM at addr (127.0.0.1:PORT), or none. Where arms
 * are isolated, Prometheus was given both arms' fixed ports once (static_targets): nothing to
 * change, and no wait for its discovery, which passes changes on every 5 s only.
 */
int set_target(const struct kopts *o, const char *arm, const char *addr)
{
	char *file = cluster_file(o, "targets.json"), *fixed = cluster_file(o, "targets.static");
	char text[256];
	int rc, is_static = fs_is_file(fixed);

	free(fixed);
	if (is_static) {
		free(file);
		return 0;
	}

	if (arm)
		snprintf(text, sizeof(text), "[{\"targets\": [\"%s\"], \"labels\": {\"arm\": \"%s\"}}]\n", addr, arm);
	else
		snprintf(text, sizeof(text), "[]\n");
	rc = fs_write_atomic(file, text, strlen(text));
	free(file);
	return rc;
}

/* The first port from start on that is free now, or -1. */
static int free_port_from(int start)
{
	for (int p = start; p < start + 200 && p < 65536; p++)
		if (port_free(p))
			return p;
	return -1;
}

/*
 * Isolated arms get fixed host ports for their metrics, chosen here (1000 and 2000 above
 * Prometheus's, or the next free ones), recorded in arm-ARM.port and given to Prometheus
 * once, with targets.static saying so. Elsewhere nothing is done. 0, or -1 after printing why.
 */
static int static_targets(const struct kopts *o, long prom_port)
{
	char why[160], *fixed = cluster_file(o, "targets.static"), *targets = cluster_file(o, "targets.json");
	int rc = 0, ports[2];

	unlink(fixed);
	if (local_arms_isolated(why, sizeof(why))) {
		struct sbuf sb = SBUF_INIT;
		sbuf_add(&sb, "[");
		for (int a = 0; a < 2 && rc == 0; a++) {
			const char *arm = a ? "new" : "old";
			char name[32], line[16], *f;
			ports[a] = free_port_from((int)prom_port + 1000 * (a + 1));
			if (ports[a] < 0 || (a == 1 && ports[1] == ports[0])) {
				rc = errorf("no free port for the metrics of arm %s above %ld", arm, prom_port + 1000 * (a + 1));
				break;
			}
			snprintf(name, sizeof(name), "arm-%s.port", arm);
			f = cluster_file(o, name);
			int n = snprintf(line, sizeof(line), "%d\n", ports[a]);
			rc = fs_write_atomic(f, line, (size_t)n);
			free(f);
			sbuf_addf(&sb, "%s{\"targets\": [\"127.0.0.1:%d\"], \"labels\": {\"arm\": \"%s\"}}", a ? ", " : "",
				  ports[a], arm);
		}
		sbuf_add(&sb, "]\n");
		if (rc == 0 && fs_write_atomic(targets, sbuf_str(&sb), sb.len) == 0)
			rc = fs_write_atomic(fixed, "", 0);
		sbuf_free(&sb);
	}
	free(fixed);
	free(targets);
	return rc;
}

/* The files of a cluster's Prometheus, in its state folder. */
struct prom_files {
	char *dir, *conf, *data, *targets, *log, *pidfile, *urlfile;
};

static void prom_files_init(struct prom_files *f, const struct kopts *o)
{
	f->dir = cluster_dir(o);
	f->conf = fs_join(f->dir, "prometheus.yml");
	f->data = fs_join(f->dir, "prometheus-data");
	f->targets = fs_join(f->dir, "targets.json");
	f->log = fs_join(f->dir, "prometheus.log");
	f->pidfile = fs_join(f->dir, "prometheus.pid");
	f->urlfile = fs_join(f->dir, "prometheus.url");
}

static void prom_files_free(struct prom_files *f)
{
	free(f->dir);
	free(f->conf);
	free(f->data);
	free(f->targets);
	free(f->log);
	free(f->pidfile);
	free(f->urlfile);
}

/*
 * The port to listen on: --port, else 9091+K. Another Prometheus (another run's) on that port
 * would answer in ours' place: without --port, the next free port above the default will do
 * (another pipeline's cluster of the same index may hold it). -1 after printing why.
 */
static long prometheus_port(const struct kopts *o)
{
	long port = o->port ? o->port : 9091 + o->port_offset;
	char probe[160];

	for (long tries = 0; !port_free((int)port) && !o->port && tries < 100 && port < 65535; tries++)
		port++;
	snprintf(probe, sizeof(probe), "http://127.0.0.1:%ld/-/ready", port);
	if (!port_free((int)port) || wait_http_ok(probe, 0.01) == 0)
		return errorf("port %ld already serves something (another Prometheus?): pick another with --port", port);
	return port;
}

/* prometheus.yml, and the targets it discovers (none yet, or the arms' fixed ports). */
static int prometheus_config(const struct kopts *o, const struct prom_files *f, long port)
{
	/* Scrape every 2 s; the job is the arm's: reloader-old or reloader-new. */
	char *text = xasprintf("global:\n"
			       "  scrape_interval: 2s\n"
			       "  evaluation_interval: 2s\n"
			       "scrape_configs:\n"
			       "  - job_name: reloader\n"
			       "    file_sd_configs:\n"
			       "      - files: ['%s']\n"
			       "        refresh_interval: 1s\n"
			       "    relabel_configs:\n"
			       "      - source_labels: [arm]\n"
			       "        target_label: job\n"
			       "        replacement: reloader-$1\n", f->targets);
	int rc = fs_write_atomic(f->conf, text, strlen(text));

	free(text);
	if (rc < 0 || static_targets(o, port) < 0 || (!fs_is_file(f->targets) && set_target(o, NULL, NULL) < 0))
		return -1;
	return 0;
}

/* Start Prometheus on port and wait until url says it is ready. 0, or -1 after printing why,
   with nothing left running. */
static int prometheus_run(const struct prom_files *f, long port, const char *url)
{
	char listen[64], cfgarg[4200], dataarg[4200], ready[160];

	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%ld", port);
	snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", f->conf);
	snprintf(dataarg, sizeof(dataarg), "--storage.tsdb.path=%s", f->data);
	char *argv[] = { "/usr/bin/prometheus", cfgarg, dataarg, listen, "--storage.tsdb.retention.time=30d",
			 "--web.enable-lifecycle", NULL };
	if (access(argv[0], X_OK) != 0)
		return errorf("Prometheus is not installed (%s): apt-get install prometheus", argv[0]);
	if (bg_start(argv, NULL, f->log, f->pidfile) < 0)
		return -1;
	snprintf(ready, sizeof(ready), "%s/-/ready", url);
	if (wait_http_ok(ready, 60) < 0) {
		errorf("Prometheus did not get ready on %s (see %s)", url, f->log);
		pid_stop(f->pidfile, 5000);
		return -1;
	}
	return 0;
}

int local_prometheus_start(const struct kopts *o)
{
	struct prom_files f;
	long port = o->port ? o->port : 9091 + o->port_offset;
	char url[128], line[160];
	int rc = EXIT_FAILED, n;

	prom_files_init(&f, o);
	if (!fs_is_dir(f.dir)) {
		errorf("no local cluster named '%s'", o->name);
		goto out;
	}
	if (pid_alive(f.pidfile, NULL)) {
		/* Already running: say where. */
		char *u = fs_read(f.urlfile, NULL);
		snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
		printf("%s\n", u ? strtok(u, "\n") : url);
		free(u);
		rc = 0;
		goto out;
	}
	port = prometheus_port(o);
	if (port < 0)
		goto out;
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld", port);
	if (prometheus_config(o, &f, port) < 0 || prometheus_run(&f, port, url) < 0)
		goto out;
	n = snprintf(line, sizeof(line), "%s\n", url);
	if (fs_write_atomic(f.urlfile, line, (size_t)n) < 0)
		goto out;
	printf("%s\n", url);
	rc = 0;
out:
	prom_files_free(&f);
	return rc;
}

int local_prometheus_stop(const struct kopts *o)
{
	return stop_pidfile(o, "prometheus.pid") < 0 ? EXIT_FAILED : 0;
}
