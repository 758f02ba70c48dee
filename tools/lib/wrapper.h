/*
 * The libc calls every tool makes, made once, in the manner of git's wrapper.c: allocators
 * that die on failure, the one clock and the one sleep, and where this binary and its data
 * files are.
 */
#ifndef LT_WRAPPER_H
#define LT_WRAPPER_H

#include <stddef.h>
#include "msg.h"

/*
 * Allocators that print "out of memory" and exit with EXIT_TROUBLE rather than return NULL.
 * A size of 0 still gets a unique pointer (one byte), so callers need no `n ? n : 1`.
 */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
/* At most n bytes of s, NUL-terminated. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) LT_PRINTF(1, 2);

/* Seconds on CLOCK_MONOTONIC: for deadlines and durations, never for time stamps. */
double mono_now(void);
/* Sleep ms milliseconds, the whole time even when a signal interrupts (EINTR). */
void sleep_ms(long ms);

/* This binary's own path (/proc/self/exe), malloc'd; NULL with errno set. */
char *self_exe(void);
/*
 * A file of the source tree, rel ("manifests/prometheus.yaml"), found in the nearest folder
 * above this binary that holds it: bin/TOOL and build/san/bin/TOOL both live in the checkout.
 * malloc'd, or NULL when no folder above holds it.
 */
char *tree_file(const char *rel);
/*
 * A data file a tool reads by default: the value of the environment variable env when it is
 * set and not empty, else tree_file(rel), else rel itself (relative to the working folder,
 * for the message that says it cannot be read). malloc'd.
 */
char *data_file(const char *env, const char *rel);

#endif
