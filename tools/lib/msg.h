/* Messages to stderr with the tool's name as prefix; stdout is for data only. */
#ifndef LT_MSG_H
#define LT_MSG_H

#include <stdarg.h>

#define LT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Exit codes shared by every tool, in the manner of diff(1). */
enum { EXIT_PASS = 0, EXIT_FAILED = 1, EXIT_TROUBLE = 2 };

void msg_init(const char *argv0);
const char *msg_prog(void);
/* Print "prog: message" and return -1, so callers can `return errorf(...)`. */
int errorf(const char *fmt, ...) LT_PRINTF(1, 2);
void warnf(const char *fmt, ...) LT_PRINTF(1, 2);
void infof(const char *fmt, ...) LT_PRINTF(1, 2);
_Noreturn void dief(int code, const char *fmt, ...) LT_PRINTF(2, 3);
/* The same, followed by ": " and strerror(errno) (errno as it was on entry). */
int errorf_errno(const char *fmt, ...) LT_PRINTF(1, 2);
void warnf_errno(const char *fmt, ...) LT_PRINTF(1, 2);
/*
 * A usage error: "prog: message (see 'prog --help')" and exit EXIT_TROUBLE. Format-checked:
 * a value from the command line goes in as an argument, never as the format.
 */
_Noreturn void usagef(const char *fmt, ...) LT_PRINTF(1, 2);
/* Messages at info level are printed only when verbose is set. */
void msg_set_verbose(int on);

#endif
