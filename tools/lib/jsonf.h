/*
 * JSON through libjv. Ownership follows libjv: jv_* calls consume their arguments.
 * The json_* helpers below only borrow the jv they are given, unless a comment says so.
 */
#ifndef LT_JSONF_H
#define LT_JSONF_H

#include <jv.h>

/*
 * Parse a whole JSON file into *out. Returns 0; 1 when the file does not exist
 * (nothing printed); -1 after printing "'path': reason" for any other failure.
 */
int json_load(const char *path, jv *out);
/* Parse a JSON text; on failure prints "what: not valid JSON: reason" and returns -1. */
int json_parse(const char *what, const char *text, size_t len, jv *out);
/* obj[key] as a new reference, or jv_invalid() when obj is not an object or has no key. */
jv json_get(jv obj, const char *key);
/* obj[key] as a string borrowed from obj, or NULL when absent or not a string. */
const char *json_str(jv obj, const char *key);
/* obj[key] as a number: returns 0, or -1 when absent or not a number. */
int json_num(jv obj, const char *key, double *out);
/* Render v (borrowed) as JSON text with a trailing newline; malloc'd. */
char *json_dump(jv v, int pretty);
/* Set obj[key] = number only when the value was measured (has != 0); consumes obj. */
jv json_set_num(jv obj, const char *key, int has, double value);
/* Write v (borrowed) to path atomically as pretty JSON; "-" is stdout. */
int json_write(const char *path, jv v);

#endif
