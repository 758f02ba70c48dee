/* Files: whole-file reads, atomic writes (temp name in the same folder + rename), folders. */
#ifndef LT_FSIO_H
#define LT_FSIO_H

#include <stddef.h>

/* Read a whole file; returns malloc'd NUL-terminated data or NULL with errno set. */
char *fs_read(const char *path, size_t *len);
/*
 * Write data to path atomically: a reader sees the old file or the whole new one,
 * never a part. "-" writes to stdout. Returns 0, or -1 after printing why.
 */
int fs_write_atomic(const char *path, const char *data, size_t len);
int fs_is_dir(const char *path);
int fs_is_file(const char *path);
/* mkdir -p; returns 0 or -1 after printing why. */
int fs_mkdirs(const char *path);
/* malloc'd "a/b". */
char *fs_join(const char *a, const char *b);
/*
 * Names of the subfolders of dir, sorted naturally (S2 before S10); NULL-terminated
 * malloc'd array of malloc'd strings, or NULL with errno set.
 */
char **fs_subdirs(const char *dir, size_t *count);
void fs_free_list(char **list);
/* strcmp that orders runs of digits by value: S2 < S10. */
int natural_cmp(const char *a, const char *b);

#endif
