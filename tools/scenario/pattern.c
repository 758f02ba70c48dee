/*
 * Name patterns of scenario files: "cm-{i}", "cm-{(i+1)%5}": text with {expr} parts, integer
 * expressions over the index i with + - * / % and parentheses, evaluated with checked
 * arithmetic (an overflow or a division by zero is an error of the pattern, never undefined
 * behaviour) and a bounded nesting depth.
 */
#include "model.h"
#include "wrapper.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checked arithmetic: an overflow is an error of the pattern, never undefined behaviour. */
struct expr {
	const char *p;
	long i;
	const char *err;
	int depth;		/* of parentheses: bounded, so a hostile pattern cannot exhaust the stack */
};

#define MAX_EXPR_DEPTH 32

static long e_sum(struct expr *e);

static void skip_ws(struct expr *e)
{
	while (*e->p == ' ')
		e->p++;
}

static long e_atom(struct expr *e)
{
	skip_ws(e);
	if (*e->p == '(') {
		if (++e->depth > MAX_EXPR_DEPTH) {
			e->err = "parentheses nested too deep";
			return 0;
		}
		e->p++;
		long v = e_sum(e);
		skip_ws(e);
		if (*e->p != ')')
			e->err = e->err ? e->err : "missing ')'";
		else
			e->p++;
		e->depth--;
		return v;
	}
	if (*e->p == 'i') {
		e->p++;
		return e->i;
	}
	if (isdigit((unsigned char)*e->p)) {
		char *end;
		errno = 0;
		long v = strtol(e->p, &end, 10);
		e->p = end;
		if (errno == ERANGE) {
			e->err = "number too large";
			return 0;
		}
		return v;
	}
	e->err = "expected i, a number or '('";
	return 0;
}

static long e_prod(struct expr *e)
{
	long v = e_atom(e);

	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '*' && op != '/' && op != '%')
			return v;
		e->p++;
		long r = e_atom(e);
		if (e->err)
			return 0;
		if (op == '*') {
			if (__builtin_mul_overflow(v, r, &v))
				goto overflow;
		} else if (r == 0) {
			e->err = "division by zero";
			return 0;
		} else if (r == -1) {
			/* v / -1 overflows for the most negative v; v mod -1 is 0 */
			if (op == '%')
				v = 0;
			else if (__builtin_sub_overflow(0L, v, &v))
				goto overflow;
		} else if (op == '/') {
			v /= r;
		} else {
			long m = v % r;	/* |m| < |r|: m + r cannot overflow unless signs agree */
			if (__builtin_add_overflow(m, r, &m))
				goto overflow;
			v = m % r;
		}
	}
overflow:
	e->err = "integer overflow";
	return 0;
}

static long e_sum(struct expr *e)
{
	long v = e_prod(e);

	for (;;) {
		skip_ws(e);
		char op = *e->p;
		if (op != '+' && op != '-')
			return v;
		e->p++;
		long r = e_prod(e);
		if (e->err)
			return 0;
		if (op == '+' ? __builtin_add_overflow(v, r, &v) : __builtin_sub_overflow(v, r, &v)) {
			e->err = "integer overflow";
			return 0;
		}
	}
}

char *pattern_expand(const char *pattern, long i, const char **err)
{
	size_t cap = strlen(pattern) + 64, n = 0;
	char *out = xmalloc(cap);

	for (const char *p = pattern; *p;) {
		if (*p == '{') {
			struct expr e = { p + 1, i, NULL, 0 };
			long v = e_sum(&e);
			skip_ws(&e);
			if (e.err == NULL && *e.p != '}')
				e.err = "expected '}'";
			if (e.err) {
				*err = e.err;
				free(out);
				return NULL;
			}
			n += (size_t)snprintf(out + n, cap - n, "%ld", v);
			p = e.p + 1;
		} else if (*p == '}') {
			*err = "unexpected '}'";
			free(out);
			return NULL;
		} else {
			out[n++] = *p++;
		}
		if (cap - n < 32) {
			cap *= 2;
			out = xrealloc(out, cap);
		}
	}
	out[n] = '\0';
	return out;
}

