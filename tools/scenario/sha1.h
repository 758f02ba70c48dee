/*
 * SHA-1 (FIPS 180-4), only to recognise which version of a ConfigMap or Secret a workload's
 * pod template records: Reloader writes the SHA-1 of the object's data there. Not for security.
 */
#ifndef SCENARIO_SHA1_H
#define SCENARIO_SHA1_H

#include <stddef.h>
#include <stdint.h>

struct sha1 {
	uint32_t h[5];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha1_init(struct sha1 *c);
void sha1_add(struct sha1 *c, const void *data, size_t len);
void sha1_done(struct sha1 *c, unsigned char out[20]);

#endif
