/*
 * The kind provider: clusters of kind nodes on Docker or Podman (whichever daemon answers),
 * images loaded into the nodes, Prometheus and the arms applied from manifests/.
 */
#include "kindctl.h"
#include "fsio.h"
#include "incluster.h"
#include "msg.h"
#include "proc.h"
#include "sbuf.h"
#include "wrapper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The image the scenarios' workloads run: loaded with every cluster. */
#define TEST_IMAGE "gcr.io/google-containers/busybox:1.27"
#define NODES_TIMEOUT_S 300.0

/* One cluster of one engine: where its files are and how its commands run. */
struct kctx {
	const struct kopts *o;
	const char *engine;	/* "docker" or "podman"; NULL until asked for */
	char *dir, *log, *kubeconfig, *partial, *context;
	char **env;		/* environ for kind: KIND_EXPERIMENTAL_PROVIDER as the engine needs */
};

static void ctx_init(struct kctx *c, const struct kopts *o)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->dir = cluster_dir(o);
	c->log = cluster_file(o, "commands.log");
	c->kubeconfig = cluster_file(o, "kubeconfig");
	c->partial = cluster_file(o, "kubeconfig.partial");
	c->context = xasprintf("kind-%s", o->name);
}

static void ctx_free(struct kctx *c)
{
	free(c->dir);
	free(c->log);
	free(c->kubeconfig);
	free(c->partial);
	free(c->context);
	env_free(c->env);
}

/* ---- commands ---- */

/* Append to the commands log; it is for people, and a full disk shows in what fails next. */
static void log_append(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* The last non-empty line of fd from offset on, for a message. */
static void tail_line(int fd, off_t from, char *buf, size_t size)
{
	char text[4096];
	off_t end = lseek(fd, 0, SEEK_END), at = end - (off_t)sizeof(text) + 1;
	ssize_t n;

	buf[0] = '\0';
	if (at < from)
		at = from;
	if (end <= at || (n = pread(fd, text, (size_t)(end - at), at)) <= 0)
		return;
	text[n] = '\0';
	while (n > 0 && strchr("\r\n \t", text[n - 1]))
		text[--n] = '\0';
	char *nl = strrchr(text, '\n');
	snprintf(buf, size, "%.300s", nl ? nl + 1 : text);
}

/*
 * Run argv (no shell) with stderr appended to the cluster's commands.log after a "+ argv"
 * line, stdout into out (NULL: to the log as well). 0 when it exited 0; else -1 with why
 * saying, after what (e.g. "kind create cluster"), what went wrong and its last line.
 */
static int run(struct kctx *c, const char *what, char *const argv[], int timeout_s, struct sbuf *out, char *why,
	       size_t size)
{
	struct sbuf mine = SBUF_INIT, *o = out ? out : &mine;
	int fd, saved = -1, st = 0, rc, e;
	off_t from = 0;
	char last[400] = "", status[128];

	fd = open(c->log, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		struct sbuf head = SBUF_INIT;
		sbuf_add(&head, "+");
		for (size_t i = 0; argv[i]; i++)
			sbuf_addf(&head, " %s", argv[i]);
		sbuf_add(&head, "\n");
		log_append(fd, head.buf, head.len);
		sbuf_free(&head);
		from = lseek(fd, 0, SEEK_END);
		fflush(stderr);
		saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
		if (saved >= 0)
			dup2(fd, 2);
	}
	rc = proc_run(argv, c->env ? c->env : environ, timeout_s * 1000, (size_t)64 << 20, 0, o, &st);
	e = errno;
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (fd >= 0) {
		tail_line(fd, from, last, sizeof(last));
		if (out == NULL)
			log_append(fd, mine.buf, mine.len);
		close(fd);
	}
	sbuf_free(&mine);
	if (rc < 0) {
		if (e == ENOENT)
			snprintf(why, size, "'%s' is not on PATH", argv[0]);
		else if (e == ETIMEDOUT)
			snprintf(why, size, "'%s' did not finish in %d s", what, timeout_s);
		else
			snprintf(why, size, "cannot run '%s': %s", what, strerror(e));
		return -1;
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	snprintf(why, size, "'%s' %s%s%s", what, proc_status_text(st, status, sizeof(status)), *last ? ": " : "",
		 last);
	return -1;
}

/* ---- the engine ---- */

/*
 * Docker if its daemon answers, else Podman; KIND_EXPERIMENTAL_PROVIDER, when set, names the
 * one kind will use, so images must go there too. 0, or -1 after printing why.
 */
static int need_engine(struct kctx *c)
{
	const char *want = getenv("KIND_EXPERIMENTAL_PROVIDER");

	if (c->engine)
		return 0;
	if (want && *want) {
		if (strcmp(want, "docker") != 0 && strcmp(want, "podman") != 0)
			return errorf("KIND_EXPERIMENTAL_PROVIDER=%s: kindctl loads images with docker or podman only", want);
		if (!engine_answers(want))
			return errorf("KIND_EXPERIMENTAL_PROVIDER=%s, but '%s info' gets no answer: is it running?", want, want);
		c->engine = strcmp(want, "docker") == 0 ? "docker" : "podman";
	} else if (engine_answers("docker")) {
		c->engine = "docker";
	} else if (engine_answers("podman")) {
		c->engine = "podman";
	} else {
		return errorf("no container engine answers: neither 'docker info' nor 'podman info' succeeds "
			      "(start one, or use --provider local)");
	}
	/* Docker is kind's default: say nothing then, as a plain kind run would. */
	const char *changes[] = { strcmp(c->engine, "podman") == 0 ? "KIND_EXPERIMENTAL_PROVIDER=podman"
								  : "KIND_EXPERIMENTAL_PROVIDER", NULL };
	c->env = env_build(changes);
	return 0;
}

/* ---- files ---- */

/* The archive being written, removed by a signal that ends us in the middle. */
static char archive_path[PATH_MAX];

static void on_fatal_signal(int sig)
{
	if (archive_path[0])
		unlink(archive_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- kind ---- */

/* The cluster config: the settings the load test needs from the API server and kubelets. */
static char *kind_config(long workers, long offset)
{
	struct sbuf sb = SBUF_INIT;

	sbuf_add(&sb,
		 "# kind cluster of the Reloader load test (written by kindctl create).\n"
		 "kind: Cluster\n"
		 "apiVersion: kind.x-k8s.io/v1alpha4\n"
		 "kubeadmConfigPatches:\n"
		 "  - |\n"
		 "    kind: ClusterConfiguration\n"
		 "    apiServer:\n"
		 "      extraArgs:\n"
		 "        max-requests-inflight: \"800\"\n"
		 "        max-mutating-requests-inflight: \"400\"\n"
		 "        watch-cache-sizes: \"configmaps#1000,secrets#1000,pods#1000\"\n"
		 "    controllerManager:\n"
		 "      extraArgs:\n"
		 "        kube-api-qps: \"200\"\n"
		 "        kube-api-burst: \"200\"\n"
		 "    scheduler:\n"
		 "      extraArgs:\n"
		 "        kube-api-qps: \"200\"\n"
		 "        kube-api-burst: \"200\"\n"
		 "  - |\n"
		 "    kind: KubeletConfiguration\n"
		 "    kubeAPIQPS: 50\n"
		 "    kubeAPIBurst: 100\n"
		 "    maxPods: 250\n"
		 "    serializeImagePulls: false\n"
		 "    eventRecordQPS: 50\n"
		 "    eventBurst: 100\n"
		 "nodes:\n"
		 "  - role: control-plane\n"
		 "    extraPortMappings:\n");
	sbuf_addf(&sb,
		  "      - containerPort: 80\n"
		  "        hostPort: %ld\n"
		  "        listenAddress: \"127.0.0.1\"\n"
		  "        protocol: TCP\n"
		  "      - containerPort: 443\n"
		  "        hostPort: %ld\n"
		  "        listenAddress: \"127.0.0.1\"\n"
		  "        protocol: TCP\n",
		  8080 + offset, 8443 + offset);
	for (long i = 0; i < workers; i++)
		sbuf_add(&sb, "  - role: worker\n");
	return sbuf_detach(&sb);
}

/* 1 when kind lists the cluster, 0 when not, -1 after printing why. */
static int listed(struct kctx *c)
{
	char *argv[] = { "kind", "get", "clusters", NULL };
	struct sbuf out = SBUF_INIT;
	char why[600];
	int found = 0;

	if (run(c, "kind get clusters", argv, 120, &out, why, sizeof(why)) < 0) {
		sbuf_free(&out);
		return errorf("cannot list kind clusters: %s", why);
	}
	char *save = NULL;
	/* None: kind says so on stderr and prints nothing. */
	for (char *line = out.len ? strtok_r(out.buf, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
		found |= strcmp(line, c->o->name) == 0;
	sbuf_free(&out);
	return found;
}

static int kind_delete_cluster(struct kctx *c)
{
	char *argv[] = { "kind", "delete", "cluster", "--name", (char *)c->o->name, "--kubeconfig", c->kubeconfig, NULL };
	char why[600];

	/* kind locks the kubeconfig next to it: its folder must be there. */
	if (fs_mkdirs(c->dir) < 0)
		return -1;
	if (run(c, "kind delete cluster", argv, 600, NULL, why, sizeof(why)) < 0)
		return errorf("cannot delete cluster '%s': %s (log: %s)", c->o->name, why, c->log);
	return 0;
}

static void stop_forward(const struct kopts *o)
{
	char *pidfile = cluster_file(o, "prometheus-port-forward.pid");

	pid_stop(pidfile, 5000);
	free(pidfile);
}

/* Load one image into the nodes, pulling it first when the engine does not have it. */
static int load_one(struct kctx *c, const char *image)
{
	char *img = (char *)image, *name = (char *)c->o->name, why[600];
	char *inspect[] = { (char *)c->engine, "image", "inspect", "--format", "{{.Id}}", img, NULL };
	char *pull[] = { (char *)c->engine, "pull", img, NULL };
	struct sbuf out = SBUF_INIT;
	char what[64];

	snprintf(what, sizeof(what), "%s image inspect", c->engine);
	int have = run(c, what, inspect, 120, &out, why, sizeof(why)) == 0;
	sbuf_free(&out);
	snprintf(what, sizeof(what), "%s pull", c->engine);
	if (!have && run(c, what, pull, 1800, NULL, why, sizeof(why)) < 0)
		return errorf("cannot pull image '%s': %s (log: %s)", image, why, c->log);
	if (strcmp(c->engine, "docker") == 0) {
		char *load[] = { "kind", "load", "docker-image", img, "--name", name, NULL };
		if (run(c, "kind load docker-image", load, 1800, NULL, why, sizeof(why)) < 0)
			return errorf("cannot load image '%s' into cluster '%s': %s (log: %s)", image, name, why, c->log);
		return 0;
	}
	/* Podman: through an archive only we can read, gone afterwards whatever happens. */
	char *archive = fs_join(c->dir, "image-XXXXXX.tar");
	int fd = mkstemps(archive, 4), rc = -1;
	if (fd < 0) {
		errorf_errno("cannot create an image archive in '%s'", c->dir);
		free(archive);
		return -1;
	}
	close(fd);
	struct sigaction sa, old[3];
	const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	snprintf(archive_path, sizeof(archive_path), "%s", archive);
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &sa, &old[i]);
	char *save[] = { "podman", "save", "--format", "docker-archive", "-o", archive, img, NULL };
	char *load[] = { "kind", "load", "image-archive", archive, "--name", name, NULL };
	if (run(c, "podman save", save, 1800, NULL, why, sizeof(why)) < 0)
		errorf("cannot save image '%s' to an archive: %s (log: %s)", image, why, c->log);
	else if (run(c, "kind load image-archive", load, 1800, NULL, why, sizeof(why)) < 0)
		errorf("cannot load image '%s' into cluster '%s': %s (log: %s)", image, name, why, c->log);
	else
		rc = 0;
	unlink(archive);
	archive_path[0] = '\0';
	for (int i = 0; i < 3; i++)
		sigaction(sigs[i], &old[i], NULL);
	free(archive);
	return rc;
}

/* The kubeconfig, fetched from kind when it is not in the state folder. 0, or -1. */
static int ensure_kubeconfig(struct kctx *c)
{
	char *argv[] = { "kind", "get", "kubeconfig", "--name", (char *)c->o->name, NULL };
	struct sbuf out = SBUF_INIT;
	char why[600] = "";
	int rc;

	if (fs_is_file(c->kubeconfig))
		return 0;
	if (need_engine(c) < 0 || fs_mkdirs(c->dir) < 0)
		return -1;
	if (run(c, "kind get kubeconfig", argv, 120, &out, why, sizeof(why)) < 0 || out.len == 0) {
		sbuf_free(&out);
		return errorf("cannot get the kubeconfig of cluster '%s': %s", c->o->name,
			      *why ? why : "kind printed nothing");
	}
	rc = write_private_file(c->kubeconfig, out.buf, out.len);
	explicit_bzero(out.buf, out.len);
	sbuf_free(&out);
	return rc;
}

/* ---- the verbs ---- */

static int kind_create(const struct kopts *o)
{
	struct kctx c;
	char *cfgfile = cluster_file(o, "kind-config.yaml"), *config = NULL, *lock = NULL, why[600];
	int rc = EXIT_FAILED, made = 0;

	ctx_init(&c, o);
	lock = xasprintf("%s.lock", c.partial);
	if (need_engine(&c) < 0 || fs_mkdirs(c.dir) < 0)
		goto out;
	/* A cluster of this name is replaced: what it had running goes first. */
	stop_forward(o);
	int have = listed(&c);
	if (have < 0 || (have && kind_delete_cluster(&c) < 0))
		goto out;
	unlink(c.kubeconfig);
	unlink(c.partial);
	config = kind_config(o->workers, o->port_offset);
	if (fs_write_atomic(cfgfile, config, strlen(config)) < 0)
		goto out;
	char *argv[] = { "kind", "create", "cluster", "--name", (char *)o->name, "--config", cfgfile,
			 "--kubeconfig", c.partial, NULL };
	if (run(&c, "kind create cluster", argv, 1800, NULL, why, sizeof(why)) < 0) {
		errorf("cannot create cluster '%s': %s (log: %s)", o->name, why, c.log);
		goto out;
	}
	made = 1;
	struct access a = { c.partial, c.context };
	if (ic_nodes_ready(&a, 1 + o->workers, NODES_TIMEOUT_S) < 0 || load_one(&c, TEST_IMAGE) < 0)
		goto out;
	/* Only a cluster that is all there gets a kubeconfig under its plain name (ours alone). */
	if (chmod(c.partial, 0600) < 0 || rename(c.partial, c.kubeconfig) < 0) {
		errorf_errno("cannot rename '%s'", c.partial);
		goto out;
	}
	printf("%s\n", c.kubeconfig);
	rc = 0;
out:
	if (rc != 0 && made) {
		char *del[] = { "kind", "delete", "cluster", "--name", (char *)o->name, "--kubeconfig", c.partial, NULL };
		run(&c, "kind delete cluster", del, 600, NULL, why, sizeof(why));
	}
	if (rc != 0) {
		unlink(c.partial);
		unlink(lock);
	}
	free(lock);
	free(config);
	free(cfgfile);
	ctx_free(&c);
	return rc;
}

static int kind_delete(const struct kopts *o)
{
	struct kctx c;
	int rc = EXIT_FAILED;

	ctx_init(&c, o);
	if (need_engine(&c) < 0)
		goto out;
	stop_forward(o);
	if (kind_delete_cluster(&c) < 0)
		goto out;
	if (rm_tree(c.dir) < 0)
		goto out;
	rc = 0;
out:
	ctx_free(&c);
	return rc;
}

static int kind_exists(const struct kopts *o)
{
	struct kctx c;
	int rc = EXIT_FAILED;

	ctx_init(&c, o);
	if (need_engine(&c) == 0 && listed(&c) == 1 && ensure_kubeconfig(&c) == 0) {
		struct access a = { c.kubeconfig, c.context };
		if (ic_answers(&a) == 0)
			rc = 0;
	}
	ctx_free(&c);
	return rc;
}

static int kind_kubeconfig(const struct kopts *o)
{
	struct kctx c;
	int rc = EXIT_FAILED;

	ctx_init(&c, o);
	if (ensure_kubeconfig(&c) == 0) {
		printf("%s\n", c.kubeconfig);
		rc = 0;
	}
	ctx_free(&c);
	return rc;
}

static int kind_load_image(const struct kopts *o)
{
	struct kctx c;
	int rc = EXIT_FAILED;

	for (int i = 0; i < o->nrest; i++)
		if (!image_usable(o->rest[i]))
			return EXIT_TROUBLE;
	ctx_init(&c, o);
	if (need_engine(&c) < 0 || fs_mkdirs(c.dir) < 0)
		goto out;
	for (int i = 0; i < o->nrest; i++)
		if (load_one(&c, o->rest[i]) < 0)
			goto out;
	rc = 0;
out:
	ctx_free(&c);
	return rc;
}

/* The in-cluster verbs: the kubeconfig of the cluster, its kind-<name> context. */
static int in_cluster(const struct kopts *o, int (*fn)(const struct kopts *, const struct access *))
{
	struct kctx c;
	int rc = EXIT_FAILED;

	ctx_init(&c, o);
	if (ensure_kubeconfig(&c) == 0) {
		struct access a = { c.kubeconfig, c.context };
		rc = fn(o, &a);
	}
	ctx_free(&c);
	return rc;
}

static int kind_prometheus_start(const struct kopts *o)
{
	return in_cluster(o, ic_prometheus_start);
}

static int kind_prometheus_stop(const struct kopts *o)
{
	/* The cluster keeps its Prometheus (it goes with the cluster); only our forward stops. */
	struct access a = { NULL, NULL };

	return ic_prometheus_stop(o, &a, 0);
}

static int kind_arm_start(const struct kopts *o)
{
	/* Before anything runs: kind may be asked for the kubeconfig. */
	if (!image_usable(o->image))
		return EXIT_TROUBLE;
	return in_cluster(o, ic_arm_start);
}

static int kind_arm_stop(const struct kopts *o)
{
	return in_cluster(o, ic_arm_stop);
}

static int kind_arm_restart(const struct kopts *o)
{
	return in_cluster(o, ic_arm_restart);
}

const struct provider provider_kind = {
	.name = "kind",
	.create = kind_create,
	.delete_ = kind_delete,
	.exists = kind_exists,
	.kubeconfig = kind_kubeconfig,
	.load_image = kind_load_image,
	.prometheus_start = kind_prometheus_start,
	.prometheus_stop = kind_prometheus_stop,
	.arm_start = kind_arm_start,
	.arm_stop = kind_arm_stop,
	.arm_restart = kind_arm_restart,
};
