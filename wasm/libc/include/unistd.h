/*
 * unistd.h (rumpsim overlay) — wasi-libc's header, plus what it hides and the kernel has:
 * getpid, getppid, gethostname and the user ids (one user, root), from wasm/libc/proc.c;
 * dup, dup2, pipe and pipe2 from wasm/libc/fd.c; fork and the exec family, which fail
 * with ENOSYS (a WebAssembly program cannot be copied or replaced here).
 */
#ifndef _RUMPSIM_UNISTD_H
#define _RUMPSIM_UNISTD_H

#include_next <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

pid_t getpid(void); /* deno task cc defines _WASI_EMULATED_GETPID: no deprecation */
pid_t getppid(void);
int gethostname(char *, size_t);
uid_t getuid(void);
uid_t geteuid(void);
gid_t getgid(void);
gid_t getegid(void);
int setuid(uid_t);
int setgid(gid_t);
int dup(int);
int dup2(int, int);
int pipe(int[2]);
int pipe2(int[2], int);
pid_t fork(void);
int execv(const char *, char *const[]);
int execve(const char *, char *const[], char *const[]);
int execvp(const char *, char *const[]);

#ifdef __cplusplus
}
#endif

#endif
