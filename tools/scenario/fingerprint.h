/*
 * Which version of a ConfigMap or Secret a pod template records. Reloader writes the SHA-1
 * of the object's data ("key=value" pairs sorted bytewise, joined by ';'; a Secret's values
 * decoded) into the template, as an env var (STAKATER_*) or inside its last-reloaded-from
 * annotation. Computing the same fingerprint for every version the driver writes lets the
 * observer tell which version a roll applied. A controller that records something else is
 * observed by timing alone.
 */
#ifndef SCENARIO_FINGERPRINT_H
#define SCENARIO_FINGERPRINT_H

#include <jv.h>
#include <stddef.h>
#include "model.h"

/*
 * The fingerprint of obj's data (obj borrowed): a ConfigMap's data and binaryData, a
 * Secret's data (base64, decoded) overridden by its stringData. 0, or -1 when a Secret's
 * data is not base64.
 */
int fingerprint_object(jv obj, enum obj_kind kind, unsigned char out[20]);
/* Every run of exactly 40 lowercase hex digits in text, decoded, at most max; how many. */
size_t fingerprint_scan(const char *text, unsigned char (*out)[20], size_t max);

#endif
