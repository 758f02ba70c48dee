/*
 * Helpers of the fuzz harnesses (tests/fuzz/fuzz_*.c): a scratch folder per process for the
 * parsers that read files, and inputs turned into files or strings.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* What libFuzzer calls; each harness defines the first, some the second. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The process's scratch folder ($TMPDIR/fuzz-XXXXXX), made on first use, removed at exit. */
const char *fuzz_dir(void);
/* fuzz_dir()/rel, malloc'd. */
char *fuzz_path(const char *rel);
/* Write data to fuzz_dir()/rel (its folders made); aborts when it cannot. */
void fuzz_write(const char *rel, const void *data, size_t size);
/* Copy a file of the source tree (relative to the current folder) to fuzz_dir()/rel; 0, or
 * -1 when it cannot be read. */
int fuzz_copy(const char *src, const char *rel);
/* Remove fuzz_dir()/rel (a file, or a folder and what it holds) if it exists. */
void fuzz_remove(const char *rel);
/* A NUL-terminated copy of data, cut at its first NUL; malloc'd. */
char *fuzz_str(const uint8_t *data, size_t size);

#endif
