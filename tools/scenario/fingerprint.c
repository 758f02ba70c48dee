/* Reloader's fingerprint of a ConfigMap's or Secret's data, and finding fingerprints in text. */
#include "fingerprint.h"
#include "base64.h"
#include "msg.h"
#include "sha1.h"

#include <stdlib.h>
#include <string.h>

struct pair {
	char *text;		/* "key=value" */
	size_t len;
	size_t keylen;
};

struct pairs {
	struct pair *p;
	size_t n;
};

static void put(struct pairs *ps, const char *key, const unsigned char *val, size_t vlen)
{
	size_t klen = strlen(key);

	/* stringData overrides data: a key already there is replaced. */
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->p[i].keylen == klen && memcmp(ps->p[i].text, key, klen) == 0) {
			free(ps->p[i].text);
			ps->p[i] = ps->p[--ps->n];
			break;
		}
	}
	struct pair *np = realloc(ps->p, (ps->n + 1) * sizeof(*np));
	char *t = malloc(klen + 1 + vlen + 1);
	if (np == NULL || t == NULL)
		dief(EXIT_TROUBLE, "out of memory");
	ps->p = np;
	memcpy(t, key, klen);
	t[klen] = '=';
	if (vlen)
		memcpy(t + klen + 1, val, vlen);
	t[klen + 1 + vlen] = '\0';
	ps->p[ps->n++] = (struct pair){ t, klen + 1 + vlen, klen };
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
	struct pairs ps = { NULL, 0 };
	struct sha1 c;
	int rc;

	if (kind == K_SECRET)
		rc = add_field(&ps, obj, "data", 1) < 0 ? -1 : add_field(&ps, obj, "stringData", 0);
	else
		rc = add_field(&ps, obj, "data", 0) < 0 ? -1 : add_field(&ps, obj, "binaryData", 0);
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
