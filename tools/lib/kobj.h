/*
 * Kubernetes objects, the library's one home for what the tools ask of an API server beyond
 * the client itself (kube.h): a connection from a kubeconfig, the kinds we know and their REST
 * paths, get and delete by path (ours only, when asked), and the fields of objects that the
 * waits judge. Waiting by watch is kwait.h.
 */
#ifndef LT_KOBJ_H
#define LT_KOBJ_H

#include <jv.h>
#include <stddef.h>
#include "kube.h"
#include "kubeconfig.h"

/* What the load test marks as its own: the label on every cluster-scoped object it makes. */
#define OWNER_LABEL "app.kubernetes.io/part-of"
#define OWNER_VALUE "reloader-loadtest"

/* A kubeconfig and a client for its server. */
struct kconn {
	struct kubeconfig cfg;
	struct kube *k;
};

/* paths: files separated by ':' (NULL: $KUBECONFIG, else ~/.kube/config); context NULL for
   the current one. A few requests at a time. 0, or -1 after printing why. */
int kconn_open(struct kconn *c, const char *paths, const char *context);
void kconn_close(struct kconn *c);

/* ---- kinds and paths ---- */

/* A kind the tools create, read or delete, and its REST resource. */
struct kobj_kind {
	const char *api_version, *kind, *resource;
	int namespaced;
};

/* The kind of apiVersion and kind, NULL when it is not one we know. */
const struct kobj_kind *kobj_kind(const char *api_version, const char *kind);
/* Whether s may stand in a path as it is (what object names may hold: nothing to escape). */
int kobj_name_ok(const char *s);
/*
 * "/api/v1/namespaces/NS/pods/NAME", "/apis/rbac.../clusterroles/NAME": the REST path of an
 * object of a known kind; ns is ignored for a cluster-scoped kind. malloc'd, or NULL when
 * the kind is not known or a name is not usable in a path.
 */
char *kobj_path(const char *api_version, const char *kind, const char *ns, const char *name);
/* The list path of a known kind: in namespace ns, or across all of them when ns is NULL (or
   for a cluster-scoped kind). malloc'd, or NULL as kobj_path. */
char *kobj_list_path(const char *api_version, const char *kind, const char *ns);

/* ---- objects by path ---- */

/* A message for an HTTP answer that is not a success: the Status's message, or the status. */
void kube_why(const struct kube_result *r, char *buf, size_t size);
/*
 * GET an object: 1 found (*out set, when out is not NULL), 0 absent (404), -1 after printing
 * why. what names the object in messages ("namespace 'x'").
 */
int kobj_get(struct kube *k, const char *path, const char *what, jv *out);
/* Whether an object (borrowed) carries the label key: with any value when value is NULL. */
int kobj_has_label(jv obj, const char *key, const char *value);
/* Whether an object carries OWNER_LABEL=OWNER_VALUE (borrowed). */
int kobj_owned(jv obj);
/*
 * Delete an object if it exists (propagation in the background). With must_own, one without
 * our label is left alone and reported. 0 (deleted, already being deleted, or absent), or -1
 * after printing why.
 */
int kobj_delete(struct kube *k, const char *path, const char *what, int must_own);
/*
 * kobj_get and kobj_delete (without must_own) for a caller that words its own messages:
 * nothing printed, the answer left in *res for the message, to be freed by the caller
 * (kube_result_free) whatever the outcome. get: 1 found (*out set when out is not NULL),
 * 0 absent, -1 neither. delete: 1 deleted or already being deleted (a namespace that
 * terminates answers a second deletion 409), 0 absent, -1 neither.
 */
int kobj_get_answer(struct kube *k, const char *path, jv *out, struct kube_result *res);
int kobj_delete_answer(struct kube *k, const char *path, struct kube_result *res);

/* ---- fields of objects (every jv argument is borrowed) ---- */

/* obj.a.b as a new reference; jv_invalid() when a step is missing. */
jv kobj_field(jv obj, const char *a, const char *b);
/* obj.a.b when it is a number, else dflt. */
double kobj_num(jv obj, double dflt, const char *a, const char *b);
/* obj.a.b when it is a string, copied into buf ("" otherwise); returns buf. */
const char *kobj_str(jv obj, const char *a, const char *b, char *buf, size_t size);
/* Whether metadata.deletionTimestamp is set. */
int kobj_deleting(jv obj);
/* The condition of type t in status.conditions: 1 when it is True, else 0; its reason is
   copied into reason ("" when absent) unless reason is NULL. */
int kobj_condition(jv obj, const char *t, char *reason, size_t size);
/* Objects (an array, consumed) sorted oldest first by metadata.creationTimestamp, then name. */
jv kobj_by_creation(jv arr);

#endif
