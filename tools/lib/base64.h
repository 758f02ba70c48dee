/* Base64 (RFC 4648, standard alphabet, padded) for kubeconfig *-data fields and basic auth. */
#ifndef LT_BASE64_H
#define LT_BASE64_H

#include <stddef.h>

/*
 * Decode text[0..len): line breaks and blanks are skipped (kubeconfigs wrap long values),
 * anything else outside the alphabet or bad padding fails. Returns 0 with a malloc'd,
 * NUL-terminated *out of *outlen bytes, or -1 (nothing printed: the caller names the field,
 * never the value). Exits on out of memory.
 */
int b64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen);
/* malloc'd, NUL-terminated encoding of data; exits on out of memory. */
char *b64_encode(const unsigned char *data, size_t len);

#endif
