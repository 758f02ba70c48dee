/* Child processes without a shell: posix_spawn with an argv, stdout captured through a pipe. */
#ifndef LT_PROC_H
#define LT_PROC_H

#include <stddef.h>
#include "sbuf.h"

/*
 * PROC_GROUP: the child runs in a process group of its own, and whatever it started goes
 * with it: the whole group is killed (SIGKILL) at the deadline or when it prints too much,
 * and once the child has exited, the members it left behind are killed too and its output
 * is read only for PROC_GRACE_MS more, so that a grandchild holding its stdout open cannot
 * hold us. For a credential plugin, which answers and is done.
 */
enum { PROC_GROUP = 1 };
#define PROC_GRACE_MS 200

/*
 * Run argv[0] (looked up on our PATH when it holds no '/', as posix_spawnp does) with environment envp, stdin
 * from /dev/null, stderr shared with ours, stdout appended to out. Waits for the child,
 * killing it (by its pid, or its group with PROC_GROUP) when it runs longer than
 * timeout_ms (0: no limit) or prints more than max bytes. Returns 0 with the wait status
 * in *wstatus, or -1 with errno set: the spawn error (ENOENT, EACCES...), ETIMEDOUT or
 * EFBIG. Prints nothing: what the child printed may be a secret, and the caller knows
 * what the child was for.
 */
int proc_run(char *const argv[], char *const envp[], int timeout_ms, size_t max, int flags,
	     struct sbuf *out, int *wstatus);
/* "exited with status 3", "was killed by signal 9 (Killed)"; returns buf. */
const char *proc_status_text(int wstatus, char *buf, size_t size);

/*
 * The program name would run as, as execvp finds it: name itself when it holds a '/', else
 * the first executable regular file of that name in a folder of $PATH (unset or empty:
 * /usr/local/bin:/usr/bin:/bin). malloc'd, or NULL with errno set (ENOENT; EACCES when one
 * was found but may not be run).
 */
char *find_on_path(const char *name);

/*
 * An environment for a child: ours (environ) with changes, in the manner of git's env
 * arrays: "NAME=value" sets NAME (replacing ours), a bare "NAME" removes it. changes is
 * NULL-terminated (NULL: none). The array and its strings are malloc'd: env_free wipes the
 * strings (they may hold credentials) and frees them.
 */
char **env_build(const char *const *changes);
void env_free(char **env);

#endif

