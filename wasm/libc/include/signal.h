/*
 * signal.h (rumpsim overlay) — wasi-libc's header (with its in-process signal() and
 * raise(), which deno task cc enables), plus kill(2) to other processes through the
 * kernel (wasm/libc/proc.c). Numbers are wasi-libc's (Linux's); the kernel's (NetBSD's)
 * differ for some (SIGUSR1 10 here, 30 there): wasm/rumpsim_imports.ts translates.
 */
#ifndef _RUMPSIM_SIGNAL_H
#define _RUMPSIM_SIGNAL_H

#include_next <signal.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

int kill(pid_t, int);

#ifdef __cplusplus
}
#endif

#endif
