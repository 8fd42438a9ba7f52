/*
 * sys/wait.h (rumpsim overlay; wasi-libc has none) — the status macros, and wait and
 * waitpid, which fail with ECHILD: a WebAssembly program has no children here
 * (wasm/libc/proc.c).
 */
#ifndef _RUMPSIM_SYS_WAIT_H
#define _RUMPSIM_SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG    1
#define WUNTRACED  2

/* wasi-libc's stdlib.h may have defined them already, with the same meaning. */
#ifndef WEXITSTATUS
#define WEXITSTATUS(s) (((s) & 0xff00) >> 8)
#define WTERMSIG(s)    ((s) & 0x7f)
#define WSTOPSIG(s)    WEXITSTATUS(s)
#define WIFEXITED(s)   (!WTERMSIG(s))
#define WIFSTOPPED(s)  (((s) & 0xff) == 0x7f)
#define WIFSIGNALED(s) (((s) & 0x7f) != 0 && ((s) & 0x7f) != 0x7f)
#endif
#ifndef WCOREDUMP
#define WCOREDUMP(s)   ((s) & 0x80)
#endif

#ifdef __cplusplus
extern "C" {
#endif

pid_t wait(int *);
pid_t waitpid(pid_t, int *, int);

#ifdef __cplusplus
}
#endif

#endif
