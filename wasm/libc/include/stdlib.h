/*
 * stdlib.h (rumpsim overlay) — wasi-libc's header, plus mkstemp, mkostemp and mkdtemp,
 * which it hides (wasm/libc/tmpfile.c; the kernel's VFS has a /tmp).
 */
#ifndef _RUMPSIM_STDLIB_H
#define _RUMPSIM_STDLIB_H

#include_next <stdlib.h>

#ifdef __cplusplus
extern "C" {
#endif

int mkstemp(char *);
int mkostemp(char *, int);
char *mkdtemp(char *);

#ifdef __cplusplus
}
#endif

#endif
