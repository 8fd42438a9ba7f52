/*
 * time.h (rumpsim overlay) — wasi-libc's header, plus tzset, which it hides: the only
 * time zone is UTC, so it has nothing to do (wasm/libc/proc.c), but programs call it.
 */
#ifndef _RUMPSIM_TIME_H
#define _RUMPSIM_TIME_H

#include_next <time.h>

#ifdef __cplusplus
extern "C" {
#endif

void tzset(void);

#ifdef __cplusplus
}
#endif

#endif
