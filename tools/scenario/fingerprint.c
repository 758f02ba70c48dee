/* Reloader's fingerprint of a ConfigMap's or Secret's data, and finding fingerprints in text. */
#include "fingerprint.h"
#include "base64.h"
#include "msg.h"
#include "sha1.h"
#include "wrapper.h"

#include <stdlib.h>
#include <string.h>

struct pair {
	char *text;		/* "key=value" */
	size_t len;
	size_t keylen;
	size_t seq;		/* order of arrival: of two values of one key, the later wins */
};

struct pairs {
	struct pair *p;
	size_t n, cap;
};

static void put(struct pairs *ps, const char *key, const unsigned char *val, size_t vlen)
{
	size_t klen = strlen(key);

	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->p = xrealloc(ps->p, ps->cap * sizeof(*ps->p));
	}
	char *t = xmalloc(klen + 1 + vlen + 1);
	memcpy(t, key, klen);
	t[klen] = '=';
	if (vlen)
		memcpy(t + klen + 1, val, vlen);
	t[klen + 1 + vlen] = '\0';
	ps->p[ps->n] = (struct pair){ t, klen + 1 + vlen, klen, ps->n };
	ps->n++;
}

/* By key (bytewise, shorter first), then by arrival. */
static int cmp_key(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->text, y->text, n);

	if (c)
		return c;
	if (x->keylen != y->keylen)
		return x->keylen < y->keylen ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * stringData overrides data: of the values of one key only the last to arrive stays.
 * Sorted by key first, so this is linear after the sort whatever the number of keys.
 */
static void drop_overridden(struct pairs *ps)
{
	size_t k = 0;

	if (ps->n > 1)
		qsort(ps->p, ps->n, sizeof(*ps->p), cmp_key);
	for (size_t i = 0; i < ps->n; i++) {
		if (i + 1 < ps->n && ps->p[i].keylen == ps->p[i + 1].keylen &&
		    memcmp(ps->p[i].text, ps->p[i + 1].text, ps->p[i].keylen) == 0) {
			free(ps->p[i].text);
			continue;
		}
		ps->p[k++] = ps->p[i];
	}
	ps->n = k;
}

/* Bytewise, shorter first on a common prefix: the order of Go's sort.Strings. */
static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Each string member of obj[field] as a pair; decode: values are base64. */
static int add_field(struct pairs *ps, jv obj, const char *field, int decode)
{
	jv m = jv_get_kind(obj) == JV_KIND_OBJECT ? jv_object_get(jv_copy(obj), jv_string(field)) : jv_invalid();
	int rc = 0;

	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		return 0;
	}
	jv_object_foreach(m, k, v) {
		if (rc == 0 && jv_get_kind(v) == JV_KIND_STRING) {
			const char *s = jv_string_value(v);
			size_t len = (size_t)jv_string_length_bytes(jv_copy(v));
			if (decode) {
				unsigned char *bytes;
				size_t n;
				if (b64_decode(s, len, &bytes, &n) < 0) {
					rc = -1;
				} else {
					put(ps, jv_string_value(k), bytes, n);
					free(bytes);
				}
			} else {
				put(ps, jv_string_value(k), (const unsigned char *)s, len);
			}
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(m);
	return rc;
}

int fingerprint_object(jv obj, enum obj_kind kind, unsigned char out[20])
{
	struct pairs ps = { NULL, 0, 0 };
	struct sha1 c;
	int rc;

	if (kind == K_SECRET)
		rc = add_field(&ps, obj, "data", 1) < 0 ? -1 : add_field(&ps, obj, "stringData", 0);
	else
		rc = add_field(&ps, obj, "data", 0) < 0 ? -1 : add_field(&ps, obj, "binaryData", 0);
	drop_overridden(&ps);
	if (ps.n > 1)
		qsort(ps.p, ps.n, sizeof(*ps.p), cmp_pair);
	sha1_init(&c);
	for (size_t i = 0; i < ps.n; i++) {
		if (i)
			sha1_add(&c, ";", 1);
		sha1_add(&c, ps.p[i].text, ps.p[i].len);
		free(ps.p[i].text);
	}
	free(ps.p);
	sha1_done(&c, out);
	return rc;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

size_t fingerprint_scan(const char *text, unsigned char (*out)[20], size_t max)
{
	size_t n = 0;

	for (const char *p = text; *p && n < max;) {
		if (hexval(*p) < 0) {
			p++;
			continue;
		}
		const char *q = p;
		while (hexval(*q) >= 0)
			q++;
		/* Exactly 40: longer runs are other digests (an image's sha256). */
		if (q - p == 40) {
			for (int i = 0; i < 20; i++)
				out[n][i] = (unsigned char)(hexval(p[2 * i]) << 4 | hexval(p[2 * i + 1]));
			n++;
		}
		p = q;
	}
	return n;
}
