/*
 * Manifests to the API server: a multi-document YAML file split with libyaml, each document
 * sent as it is written as a server-side apply; objects read, deleted and owned by name.
 */
#ifndef KINDCTL_APPLY_H
#define KINDCTL_APPLY_H

#include <jv.h>
#include <stddef.h>
#include "kube.h"
#include "kubeconfig.h"

/* What the load test marks as its own: the label on every cluster-scoped object it makes. */
#define OWNER_LABEL "app.kubernetes.io/part-of"
#define OWNER_VALUE "reloader-loadtest"
#define FIELD_MANAGER "reloader-loadtest"

/* A kubeconfig and a client for its server. */
struct kconn {
	struct kubeconfig cfg;
	struct kube *k;
};

/* paths: files separated by ':' (NULL: $KUBECONFIG, else ~/.kube/config); context NULL for
   the current one. 0, or -1 after printing why. */
int kconn_open(struct kconn *c, const char *paths, const char *context);
void kconn_close(struct kconn *c);

/* One document of a manifest. */
struct mobj {
	char *api_version, *kind, *name, *ns;	/* ns NULL for a cluster-scoped kind */
	char *path;				/* the object's REST path */
	char *text;				/* the document's YAML, as written */
	char *at;				/* "file:line:col" of the document, for messages */
	int owned;				/* carries OWNER_LABEL=OWNER_VALUE */
};

/*
 * Split a manifest into its objects (empty documents skipped). name is used in messages.
 * Every object needs apiVersion, kind and metadata.name of a known kind; a namespaced one
 * without metadata.namespace goes to "default". Returns the count, or -1 after printing
 * "file:line:col: why"; *out is malloc'd and freed with mobj_free_all.
 */
int manifest_parse(const char *name, const char *text, size_t len, struct mobj **out);
void mobj_free_all(struct mobj *objs, int n);

/* The REST path of an object of a known kind: malloc'd, or NULL when the kind is not known
   or a name is not usable in a path. ns is ignored for cluster-scoped kinds. */
char *kobj_path(const char *api_version, const char *kind, const char *ns, const char *name);

enum {
	APPLY_DRY_RUN = 1,	/* validate only: dryRun=All */
	APPLY_OWNED = 2,	/* refuse, before applying anything, when a cluster-scoped object
				   exists without our label (someone else's namespace) */
};

/* Server-side apply of every object in order (fieldManager=reloader-loadtest, force). 0, or
   -1 after printing which object failed and why. */
int apply_objects(struct kube *k, const struct mobj *objs, int n, int flags);
/* Read, split and apply a manifest text. */
int apply_manifest(struct kube *k, const char *name, const char *text, size_t len, int flags);

/*
 * GET an object: 1 found (*out set, when out is not NULL), 0 absent (404), -1 after printing
 * why. what names the object in messages.
 */
int kobj_get(struct kube *k, const char *path, const char *what, jv *out);
/* Whether an object carries OWNER_LABEL=OWNER_VALUE (borrowed). */
int kobj_owned(jv obj);
/*
 * Delete an object if it exists. With must_own, one without our label is left alone and
 * reported. 0 (deleted or absent), or -1 after printing why.
 */
int kobj_delete(struct kube *k, const char *path, const char *what, int must_own);

/* A message for an HTTP answer that is not a success: the Status's message, or the status. */
void kube_why(const struct kube_result *r, char *buf, size_t size);

#endif
