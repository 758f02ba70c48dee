/*
 * Waiting on the cluster by condition, never by sleeping: objects are listed, then watched
 * from the list's resourceVersion, and a condition is judged on every change until it holds,
 * fails, or the deadline passes.
 */
#ifndef LT_KWAIT_H
#define LT_KWAIT_H

#include <jv.h>
#include <stddef.h>
#include "kube.h"
#include "sbuf.h"

#define KWAIT_MAX_SOURCES 4

/*
 * The condition, given the objects of each list (arrays, borrowed, in list order).
 * Returns 1 when it holds, 0 to go on waiting, -1 when it never will; why says what is
 * missing (0) or what went wrong (-1), for the message.
 */
typedef int (*kwait_fn)(const jv *objs, void *ud, struct sbuf *why);

/*
 * Wait until cond holds over the lists at paths (list paths with their selectors, e.g.
 * "/api/v1/namespaces/x/pods?labelSelector=app%3Dy"; a NULL path is an error). Lists and
 * watches that fail are tried again until the deadline. what names the wait in messages
 * ("deployment 'a/b' did not roll out"). 0, or -1 after printing one line: what, and why.
 */
int kwait(struct kube *k, const char *const *paths, size_t n, kwait_fn cond, void *ud,
	  double timeout_s, const char *what);

/* base with "?fieldSelector=metadata.name%3DNAME" or "?labelSelector=..." added, the value
   escaped; malloc'd. NULL when base is NULL (a path kobj_list_path could not make). */
char *kwait_selector(const char *base, const char *param, const char *value);

/*
 * Wait until the object NAME of a kind (in namespace ns, for a namespaced kind) no longer
 * exists: its list, narrowed to the name, is empty. 0, or -1 after printing "what: ..."
 * (what: "namespace 'x' was not deleted").
 */
int kwait_gone(struct kube *k, const char *api_version, const char *kind, const char *ns, const char *name,
	       double timeout_s, const char *what);

#endif
