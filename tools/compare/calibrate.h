/* Calibration from A/A runs: noise per row, and warnings for thresholds below it. */
#ifndef COMPARE_CALIBRATE_H
#define COMPARE_CALIBRATE_H

#include <jv.h>
#include <stddef.h>
#include "judge.h"

/* The calibration rows of one repeated A/A scenario report (an array, new reference). */
jv calibrate_report(const struct report *rep);
/* Read a calibration file (an object with a "rows" array) into *out; -1 after saying why. */
int calibration_load(const char *path, jv *out);
/* 1 and a sentence in buf when row's threshold sits below its calibrated noise floor. */
int calibration_warning(jv cal, const struct report *rep, const struct row *row, char *buf, size_t size);

#endif
