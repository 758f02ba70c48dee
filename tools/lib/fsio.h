/* Files: whole-file reads, atomic writes (temp name in the same folder + rename), folders. */
#ifndef LT_FSIO_H
#define LT_FSIO_H

#include <stddef.h>

/*
 * Limits on a file read whole into memory: configuration (scenario, rules, queries,
 * kubeconfig, token and certificate files, the pipeline's markers and state files), and
 * data (snapshots, results, logs). Documented in docs/troubleshooting.md and README.md.
 */
#define FS_MAX_CONFIG ((size_t)16 << 20)
#define FS_MAX_DATA ((size_t)256 << 20)

/* errno values of fs_read besides the system's; fs_strerror says them in words. */
enum {
	FS_ENOTREG = 0x4c540001,	/* not a regular file: a folder, a FIFO, a device, a socket */
	FS_ETOOBIG,			/* larger than the limit */
	FS_EDANGLING,			/* a symbolic link to nothing */
};

/*
 * Read a whole regular file of at most max bytes; returns malloc'd NUL-terminated data,
 * or NULL with errno set (ENOENT only when nothing is there, not even a link). Never
 * blocks on a FIFO or a device: they are refused without being read.
 */
char *fs_read_max(const char *path, size_t max, size_t *len);
/* fs_read_max with FS_MAX_CONFIG. */
char *fs_read(const char *path, size_t *len);
/* strerror, knowing fs_read's own errno values. */
const char *fs_strerror(int e);
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
