/* Child processes without a shell: posix_spawn with an argv, stdout captured through a pipe. */
#ifndef LT_PROC_H
#define LT_PROC_H

#include <stddef.h>
#include "sbuf.h"

/*
 * Run argv[0] (looked up on our PATH when it holds no '/', as posix_spawnp does) with environment envp, stdin
 * from /dev/null, stderr shared with ours, stdout appended to out. Waits for the child,
 * killing it (by its pid) when it runs longer than timeout_ms (0: no limit) or prints
 * more than max bytes. Returns 0 with the wait status in *wstatus, or -1 with errno
 * set: the spawn error (ENOENT, EACCES...), ETIMEDOUT or EFBIG. Prints nothing: what
 * the child printed may be a secret, and the caller knows what the child was for.
 */
int proc_run(char *const argv[], char *const envp[], int timeout_ms, size_t max,
	     struct sbuf *out, int *wstatus);
/* "exited with status 3", "was killed by signal 9 (Killed)"; returns buf. */
const char *proc_status_text(int wstatus, char *buf, size_t size);

#endif
