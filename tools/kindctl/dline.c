/*
 * The API proxy's delay line (apiproxy.h): a ring of bytes and a ring of chunks, each chunk
 * with the time it may leave; bounded both ways, so a full line stops the reading.
 */
#include "apiproxy.h"

void dline_init(struct dline *d)
{
	d->head = d->len = d->shead = d->slen = 0;
}

size_t dline_space(struct dline *d, unsigned char **p)
{
	size_t tail = (d->head + d->len) % DLINE_BYTES;

	if (d->len == DLINE_BYTES || d->slen == DLINE_SEGS)
		return 0;
	*p = d->buf + tail;
	return tail >= d->head ? DLINE_BYTES - tail : d->head - tail;
}

void dline_commit(struct dline *d, size_t n, int64_t due)
{
	if (n == 0)
		return;
	d->len += n;
	if (d->slen > 0) {
		struct dseg *t = &d->segs[(d->shead + d->slen - 1) % DLINE_SEGS];
		/* A chunk due no later than the last one leaves with it: order is kept, and a
		   clock that stepped back could only delay bytes more, never less. */
		if (due <= t->due) {
			t->len += n;
			return;
		}
	}
	d->segs[(d->shead + d->slen) % DLINE_SEGS] = (struct dseg){ n, due };
	d->slen++;
}

size_t dline_ready(const struct dline *d, int64_t now, const unsigned char **p)
{
	size_t n = 0, contig = DLINE_BYTES - d->head;

	for (size_t i = 0; i < d->slen; i++) {
		const struct dseg *s = &d->segs[(d->shead + i) % DLINE_SEGS];
		if (s->due > now)
			break;
		n += s->len;
	}
	*p = d->buf + d->head;
	return n < contig ? n : contig;
}

void dline_consume(struct dline *d, size_t n)
{
	if (n > d->len)
		n = d->len;
	d->head = (d->head + n) % DLINE_BYTES;
	d->len -= n;
	while (n > 0 && d->slen > 0) {
		struct dseg *s = &d->segs[d->shead];
		size_t k = n < s->len ? n : s->len;
		s->len -= k;
		n -= k;
		if (s->len == 0) {
			d->shead = (d->shead + 1) % DLINE_SEGS;
			d->slen--;
		}
	}
	/* Empty: start over at the front, so the next read gets the whole buffer in one piece. */
	if (d->len == 0)
		d->head = 0;
}

int64_t dline_next_due(const struct dline *d)
{
	return d->slen ? d->segs[d->shead].due : -1;
}
