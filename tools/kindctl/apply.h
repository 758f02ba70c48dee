/*
 * Manifests to the API server: a multi-document YAML file split with libyaml, each document
 * sent as it is written as a server-side apply. Objects by path (get, delete, ours or not)
 * are the library's: kobj.h.
 */
#ifndef KINDCTL_APPLY_H
#define KINDCTL_APPLY_H

#include <jv.h>
#include <stddef.h>
#include "kobj.h"

#define FIELD_MANAGER "reloader-loadtest"

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

#endif
