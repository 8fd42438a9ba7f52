/*
 * sys/stat.h (rumpsim overlay) — wasi-libc's header, plus chmod, fchmod and umask, which
 * it hides (wasm/libc/chmod.c).
 */
#ifndef _RUMPSIM_SYS_STAT_H
#define _RUMPSIM_SYS_STAT_H

#include_next <sys/stat.h>

#ifdef __cplusplus
extern "C" {
#endif

int chmod(const char *, mode_t);
int fchmod(int, mode_t);
mode_t umask(mode_t);

#ifdef __cplusplus
}
#endif

#endif
