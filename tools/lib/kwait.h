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

/* kwait_opt's outcomes beyond 0 and -1, for a caller that words them itself. */
#define KWAIT_TIMEOUT (-2)	/* the deadline passed (only with quiet_timeout) */
#define KWAIT_STOPPED (-3)	/* turn or list_failed ended the wait */

/* What a caller with work of its own in the loop, or messages of its own, adds to a wait. */
struct kwait_opts {
	/* Called after every turn of the loop (half a second at most): a non-zero return ends
	   the wait, KWAIT_STOPPED, without a message. */
	int (*turn)(void *ud);
	/* Called with the answer (borrowed) of a list that failed: a non-zero return ends the
	   wait, KWAIT_STOPPED (the caller has said why); 0 lists again later, as kwait does. */
	int (*list_failed)(const char *path, const struct kube_result *r, void *ud);
	int quiet_timeout;	/* the deadline passed: KWAIT_TIMEOUT, no message */
	void *ud;		/* for turn and list_failed */
};

/* kwait with opts (NULL: kwait itself): 0, -1 after printing why, or one of the above. */
int kwait_opt(struct kube *k, const char *const *paths, size_t n, kwait_fn cond, void *ud,
	      double timeout_s, const char *what, const struct kwait_opts *opts);

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
/* kwait_gone with opts, as kwait_opt. */
int kwait_gone_opt(struct kube *k, const char *api_version, const char *kind, const char *ns, const char *name,
		   double timeout_s, const char *what, const struct kwait_opts *opts);

#endif
