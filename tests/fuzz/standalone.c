/*
 * The fuzz-regression runner: a harness built without libFuzzer. Feeds each file named on
 * the command line to LLVMFuzzerTestOneInput once; a defect shows as a crash (or, in the
 * sanitizer build, a sanitizer report), the exit status 0 means every input passed.
 */
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - *len < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		size_t got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		size_t len;
		unsigned char *data = slurp(argv[i], &len);
		if (data == NULL) {
			perror(argv[i]);
			return 2;
		}
		fprintf(stderr, "fuzz-regress: %s\n", argv[i]);
		/* An exact-size copy, so reading past the input is caught as under libFuzzer. */
		unsigned char *exact = malloc(len ? len : 1);
		if (exact == NULL)
			abort();
		for (size_t k = 0; k < len; k++)
			exact[k] = data[k];
		free(data);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}
