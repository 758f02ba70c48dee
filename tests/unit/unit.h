/* A minimal unit-test harness: CHECK records failures, main() reports and sets the exit status. */
#ifndef UNIT_H
#define UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_failures, unit_checks;

#define CHECK(cond) do { \
	unit_checks++; \
	if (!(cond)) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_STR(a, b) do { \
	const char *a_ = (a), *b_ = (b); \
	unit_checks++; \
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	} \
} while (0)

#define CHECK_NUM(a, b) do { \
	double a_ = (a), b_ = (b); \
	unit_checks++; \
	if (!(fabs(a_ - b_) <= 1e-9 * (fabs(b_) > 1 ? fabs(b_) : 1))) { \
		unit_failures++; \
		fprintf(stderr, "%s:%d: %s = %.17g, expected %.17g\n", __FILE__, __LINE__, #a, a_, b_); \
	} \
} while (0)

#define UNIT_DONE(name) do { \
	printf("%s: %d checks, %d failed\n", name, unit_checks, unit_failures); \
	return unit_failures ? 1 : 0; \
} while (0)

#endif
