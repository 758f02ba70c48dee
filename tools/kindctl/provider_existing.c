/*
 * The existing provider: a cluster someone else runs, named by a kubeconfig context. It is
 * never created or deleted; only the arms (and Prometheus, when no URL is given) come and go.
 */
#include "kindctl.h"
#include "fsio.h"
#include "http.h"
#include "incluster.h"
#include "kubeconfig.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct access access_of(const struct kopts *o)
{
	return (struct access){ o->kubeconfig, o->context };
}

static int ex_create_delete(const struct kopts *o)
{
	errorf("existing clusters are not created or deleted ('%s' is context '%s'): use --provider kind or local",
	       o->name, o->context);
	return EXIT_TROUBLE;
}

static int ex_exists(const struct kopts *o)
{
	struct access a = access_of(o);

	return ic_answers(&a) == 0 ? 0 : EXIT_FAILED;
}

/* The files a kubeconfig load reads, as a KUBECONFIG list: what the other tools must be given. */
static int ex_kubeconfig(const struct kopts *o)
{
	struct kubeconfig cfg;
	struct sbuf list = SBUF_INIT;
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");

	/* Load it, so that a missing file or context is said now, not by the next tool. */
	if (kubeconfig_load(&cfg, o->kubeconfig, o->context) < 0)
		return EXIT_FAILED;
	kubeconfig_free(&cfg);
	if (o->kubeconfig) {
		sbuf_add(&list, o->kubeconfig);
	} else if (env && *env) {
		/* Files of KUBECONFIG that do not exist are skipped by a load, not by a list. */
		char *copy = xstrdup(env), *save = NULL;
		for (char *f = strtok_r(copy, ":", &save); f; f = strtok_r(NULL, ":", &save))
			if (fs_is_file(f))
				sbuf_addf(&list, "%s%s", list.len ? ":" : "", f);
		free(copy);
	} else {
		sbuf_addf(&list, "%s/.kube/config", home && *home ? home : "");
	}
	printf("%s\n", sbuf_str(&list));
	sbuf_free(&list);
	return 0;
}

static int ex_load_image(const struct kopts *o)
{
	for (int i = 0; i < o->nrest; i++)
		if (!image_usable(o->rest[i]))
			return EXIT_TROUBLE;
	warnf("existing cluster '%s': images are not loaded; its nodes must be able to pull %s%s", o->context,
	      o->rest[0], o->nrest > 1 ? " and the others" : "");
	return 0;
}

static int ex_prometheus_start(const struct kopts *o)
{
	struct access a = access_of(o);
	const char *why;

	if (o->prometheus_url) {
		if (http_check_url(o->prometheus_url, &why) < 0) {
			char *shown = http_redact_url(o->prometheus_url);
			errorf("--prometheus-url '%s': %s", shown, why);
			free(shown);
			return EXIT_TROUBLE;
		}
		printf("%s\n", o->prometheus_url);
		return 0;
	}
	return ic_prometheus_start(o, &a);
}

static int ex_prometheus_stop(const struct kopts *o)
{
	struct access a = access_of(o);

	/* A Prometheus the user runs is theirs; one we deployed leaves with its namespace. */
	if (o->prometheus_url)
		return 0;
	return ic_prometheus_stop(o, &a, 1);
}

static int ex_arm_start(const struct kopts *o)
{
	struct access a = access_of(o);

	return ic_arm_start(o, &a);
}

static int ex_arm_stop(const struct kopts *o)
{
	struct access a = access_of(o);

	return ic_arm_stop(o, &a);
}

static int ex_arm_restart(const struct kopts *o)
{
	struct access a = access_of(o);

	return ic_arm_restart(o, &a);
}

const struct provider provider_existing = {
	.name = "existing",
	.create = ex_create_delete,
	.delete_ = ex_create_delete,
	.exists = ex_exists,
	.kubeconfig = ex_kubeconfig,
	.load_image = ex_load_image,
	.prometheus_start = ex_prometheus_start,
	.prometheus_stop = ex_prometheus_stop,
	.arm_start = ex_arm_start,
	.arm_stop = ex_arm_stop,
	.arm_restart = ex_arm_restart,
};
