/* The controller arm's manifest: reloader-arm.yaml filled for one arm, image and arguments checked. */
#include "incluster.h"
#include "msg.h"
#include "sbuf.h"
#include "wrapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int image_name_ok(const char *image)
{
	size_t n = strlen(image);

	if (n == 0 || n > 512 || image[0] == '-' || strncmp(image, "bin:", 4) == 0)
		return 0;
	for (const char *p = image; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      strchr("._/:@-", *p)))
			return 0;
	return 1;
}

int image_usable(const char *image)
{
	if (image_name_ok(image))
		return 1;
	errorf("'%s' is not a container image name kindctl can use (letters, digits, '._/:@-'; "
	       "bin: images are for the local provider)", image);
	return 0;
}

/* One UTF-8 sequence at s: its code point and length, or length 0 when it is not valid. */
static size_t utf8_next(const unsigned char *s, unsigned long *cp)
{
	size_t len;
	unsigned long c = s[0], min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/*
 * A JSON string, which YAML reads as a double-quoted scalar: quotes, backslashes and every
 * character YAML will not take raw (controls, C1, line and paragraph separators, BOM)
 * escaped. -1 when s is not valid UTF-8.
 */
static int json_quote(struct sbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	sbuf_add(sb, "\"");
	while (*p) {
		unsigned long c;
		size_t len = utf8_next(p, &c);
		if (len == 0)
			return -1;
		if (c == '"' || c == '\\')
			sbuf_addf(sb, "\\%c", (int)c);
		else if (c == '\n')
			sbuf_add(sb, "\\n");
		else if (c == '\t')
			sbuf_add(sb, "\\t");
		else if (c == '\r')
			sbuf_add(sb, "\\r");
		else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0xFEFF)
			sbuf_addf(sb, "\\u%04lX", c);
		else
			sbuf_addn(sb, (const char *)p, len);
		p += len;
	}
	sbuf_add(sb, "\"");
	return 0;
}

char *arm_manifest(const char *tmpl, const char *arm, const char *image, const char *const *args, size_t nargs)
{
	struct sbuf lines = SBUF_INIT, out = SBUF_INIT;

	if (!image_usable(image))
		return NULL;
	for (size_t i = 0; i < nargs; i++) {
		sbuf_add(&lines, "            - ");
		if (json_quote(&lines, args[i]) < 0) {
			sbuf_free(&lines);
			errorf("controller argument %zu is not valid UTF-8", i + 1);
			return NULL;
		}
		sbuf_add(&lines, "\n");
	}
	const char *keys[] = { "ARM", "IMAGE" };
	const char *values[] = { arm, image };
	char *filled = template_fill(tmpl, keys, values, 2);
	/*
	 * @ARGS@ is replaced only where it is a line of its own: the template names it in a
	 * comment too, where lines would break out of the comment. After @ARM@ and @IMAGE@, so
	 * that an argument holding those words is passed on as it is.
	 */
	for (const char *p = filled; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (strncmp(p, "@ARGS@", 6) == 0 && (p[6] == '\n' || p[6] == '\0'))
			sbuf_add(&out, sbuf_str(&lines));
		else
			sbuf_addn(&out, p, n);
		p += n;
	}
	free(filled);
	sbuf_free(&lines);
	return sbuf_detach(&out);
}

