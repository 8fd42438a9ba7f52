/*
 * fcntl.h (rumpsim overlay) — wasi-libc's header, plus F_DUPFD and F_DUPFD_CLOEXEC
 * (Linux's numbers), which the kernel does: wasm/libc/fd.c takes them before wasi-libc's
 * fcntl sees them.
 */
#ifndef _RUMPSIM_FCNTL_H
#define _RUMPSIM_FCNTL_H

#include_next <fcntl.h>

#ifndef F_DUPFD
#define F_DUPFD 0
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif

#endif
