/*
 * select.c — select(2) with an exception set: wasi-libc's select refuses a non-empty
 * errorfds with ENOSYS; here the set is emptied first (no descriptor has an exceptional
 * condition to report: the kernel's TCP has no out-of-band data) and the rest goes to
 * wasi-libc's select. deno task cc links with --wrap=select so every caller comes here.
 */
#include <sys/select.h>

int __real_select(int, fd_set *__restrict, fd_set *__restrict, fd_set *__restrict,
    struct timeval *__restrict);

int __wrap_select(int nfds, fd_set *__restrict rd, fd_set *__restrict wr,
    fd_set *__restrict ex, struct timeval *__restrict tv) {
	if (ex)
		FD_ZERO(ex);
	return __real_select(nfds, rd, wr, 0, tv);
}
