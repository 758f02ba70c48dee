/* A growable string buffer: reports are rendered into one, then written at once. */
#ifndef LT_SBUF_H
#define LT_SBUF_H

#include <stddef.h>
#include "msg.h"

struct sbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void sbuf_add(struct sbuf *sb, const char *s);
void sbuf_addn(struct sbuf *sb, const char *s, size_t n);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) LT_PRINTF(2, 3);
/* Append s padded with spaces to `width` display columns (UTF-8 aware). */
void sbuf_pad(struct sbuf *sb, const char *s, int width, int right_align);
const char *sbuf_str(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
/* The string built so far, handed over (malloc'd, "" when empty); sb is left empty. */
char *sbuf_detach(struct sbuf *sb);
/* Number of display columns of a UTF-8 string (one per code point). */
int utf8_width(const char *s);

#endif
