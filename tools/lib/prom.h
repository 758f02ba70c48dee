/*
 * Values out of Prometheus query responses (and plain JSON result files), keeping
 * "not measured" apart from zero and a failed query apart from both.
 */
#ifndef LT_PROM_H
#define LT_PROM_H

#include <jv.h>
#include <stddef.h>

enum mv_state {
	MV_VALUE,	/* measured */
	MV_ABSENT,	/* the query answered but returned no series (or NaN): not exposed */
	MV_NOFILE,	/* no snapshot file */
	MV_QUERY_ERROR,	/* the snapshot records a failed query */
};

struct mvalue {
	enum mv_state state;
	double value;
	char why[256];	/* for MV_QUERY_ERROR and MV_ABSENT: what Prometheus said */
};

enum extract_how {
	EX_SUM,		/* sum of the matching series */
	EX_FIRST,	/* first matching series */
	EX_MAX,		/* largest matching series */
	EX_PATH,	/* a number at a key path of a plain JSON file */
};

struct label_match {
	const char *name;
	const char *value;
};

struct extract {
	enum extract_how how;
	const struct label_match *labels;
	size_t nlabels;
	const char *const *path;
	size_t npath;
};

/*
 * Extract one value from a parsed file (borrowed). Returns 0 with *out filled, or -1
 * after printing "'file': what is wrong" when the file is not a Prometheus response
 * (or, for EX_PATH, the path leads to something that is not a number).
 */
int prom_extract(const char *file, jv doc, const struct extract *ex, struct mvalue *out);
/* Check that a parsed body is a well-formed Prometheus API response; 0 or -1 with *why set. */
int prom_check_response(jv doc, const char **why);
/* Parse a Prometheus sample value ("1.5", "NaN", "+Inf"); 0 or -1. */
int prom_parse_value(const char *s, double *out);

#endif
