/*
 * Numbers read from users' files and flags, parsed strictly: decimal only, the whole text
 * and nothing around it (no space, no hex, no "nan" or "inf"), out of range an error.
 */
#ifndef LT_NUM_H
#define LT_NUM_H

/*
 * A whole number in [min, max]: an optional '-' then decimal digits. Returns NULL and sets
 * *out, or the reason in words: NUM_NOT_WHOLE, or NUM_OUT_OF_RANGE (too large for a long
 * included: never saturated).
 */
extern const char NUM_NOT_WHOLE[], NUM_OUT_OF_RANGE[];
const char *num_long(const char *s, long min, long max, long *out);
/*
 * A finite decimal number: [-]digits[.digits][e[+-]digits] (or [-].digits...). Returns
 * NULL and sets *out, or the reason ("not a number", "too large").
 */
const char *num_double(const char *s, double *out);
/* The length of the decimal number at the start of s, by the grammar above; 0: none. */
unsigned long num_span(const char *s);

#endif
