/* Base64 encoding and strict decoding. */
#include "base64.h"
#include "msg.h"
#include "wrapper.h"

#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int is_blank(char c)
{
	return c == '\n' || c == '\r' || c == ' ' || c == '\t';
}

static int value_of(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf = xmalloc(len / 4 * 3 + 4);
	unsigned char quad[4];
	size_t n = 0, q = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;

		if (is_blank((char)c))
			continue;
		if (c == '=') {
			/* Padding only in the last two places of the last quantum. */
			if (q < 2)
				goto bad;
			pad++;
			quad[q++] = 0;
		} else {
			if (pad || (v = value_of(c)) < 0)
				goto bad;
			quad[q++] = (unsigned char)v;
		}
		if (q == 4) {
			buf[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
			buf[n++] = (unsigned char)(quad[1] << 4 | quad[2] >> 2);
			buf[n++] = (unsigned char)(quad[2] << 6 | quad[3]);
			q = 0;
			if (pad) {
				n -= pad;
				/* Anything but blanks after the padding is an error. */
				for (size_t j = i + 1; j < len; j++)
					if (!is_blank(text[j]))
						goto bad;
				break;
			}
		}
	}
	if (q != 0)
		goto bad;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
bad:
	free(buf);
	return -1;
}

char *b64_encode(const unsigned char *data, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *p = out;

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		*p++ = alphabet[v >> 18 & 63];
		*p++ = alphabet[v >> 12 & 63];
		*p++ = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
		*p++ = i + 2 < len ? alphabet[v & 63] : '=';
	}
	*p = '\0';
	return out;
}
