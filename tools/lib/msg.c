/* Messages to stderr with a fixed "prog: " prefix. */
#include "msg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "loadtest";
static int verbose;

void msg_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	prog = slash != NULL ? slash + 1 : argv0;
}

const char *msg_prog(void)
{
	return prog;
}

void msg_set_verbose(int on)
{
	verbose = on;
}

/* "prog: message[: strerror(err)][ (see 'prog --help')]"; err 0 for none. */
static void vmsg_full(int err, int help, const char *fmt, va_list ap)
{
	/* One fprintf per message keeps lines whole when tools share stderr. */
	char buf[4096];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s: %s%s%s%s%s%s\n", prog, buf, err ? ": " : "", err ? strerror(err) : "",
		help ? " (see '" : "", help ? prog : "", help ? " --help')" : "");
}

static void vmsg(const char *fmt, va_list ap)
{
	vmsg_full(0, 0, fmt, ap);
}

int errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return -1;
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void infof(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void dief(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(code);
}

/* The message with strerror(errno) added; errno is left as it was, for the caller to test. */
static void vmsg_errno(const char *fmt, va_list ap)
{
	int err = errno;

	vmsg_full(err, 0, fmt, ap);
	errno = err;
}

int errorf_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_errno(fmt, ap);
	va_end(ap);
	return -1;
}

void warnf_errno(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_errno(fmt, ap);
	va_end(ap);
}

void usagef(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg_full(0, 1, fmt, ap);
	va_end(ap);
	exit(EXIT_TROUBLE);
}
