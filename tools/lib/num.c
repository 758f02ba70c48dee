/* Strict decimal numbers: what a user writes as a count, a port or a number of seconds. */
#include "num.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t digits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

unsigned long num_span(const char *s)
{
	size_t i = 0, d, f = 0;

	if (s[i] == '-')
		i++;
	d = digits(s + i);
	i += d;
	if (s[i] == '.') {
		f = digits(s + i + 1);
		if (d == 0 && f == 0)
			return 0;
		i += 1 + f;
	}
	if (d == 0 && f == 0)
		return 0;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1, e;
		if (s[j] == '+' || s[j] == '-')
			j++;
		e = digits(s + j);
		if (e > 0)
			i = j + e;
	}
	return i;
}

const char NUM_NOT_WHOLE[] = "not a whole number", NUM_OUT_OF_RANGE[] = "out of range";

const char *num_long(const char *s, long min, long max, long *out)
{
	size_t i = s[0] == '-' ? 1 : 0;
	char *end;
	long v;

	if (digits(s + i) == 0 || s[i + digits(s + i)] != '\0')
		return NUM_NOT_WHOLE;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno == ERANGE || v < min || v > max)
		return NUM_OUT_OF_RANGE;
	*out = v;
	return NULL;
}

const char *num_double(const char *s, double *out)
{
	size_t n = num_span(s);
	char *end;
	double v;

	if (n == 0 || s[n] != '\0')
		return "not a number";
	errno = 0;
	v = strtod(s, &end);
	if (end != s + n)
		return "not a number";
	/* Underflow to a tiny or zero value is harmless; overflow to infinity is not. */
	if (!isfinite(v))
		return "too large";
	*out = v;
	return NULL;
}
