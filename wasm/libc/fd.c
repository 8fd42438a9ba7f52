/*
 * fd.c — descriptor calls wasi-libc lacks and the kernel has: dup, dup2, pipe, pipe2
 * (O_NONBLOCK; O_CLOEXEC is 0 in wasi-libc, there being no exec), over `rumpsim`; and
 * fcntl's F_DUPFD and F_DUPFD_CLOEXEC, which wasi-libc's fcntl refuses: deno task cc links
 * with --wrap=fcntl, so every fcntl comes here first and the other commands go on to
 * wasi-libc's own (__real_fcntl).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

#include "rumpsim_imports.h"

int dup(int fd) {
	int nfd, e = __rumpsim_dup(fd, &nfd);
	if (e) {
		errno = e;
		return -1;
	}
	return nfd;
}

int dup2(int from, int to) {
	int e = __rumpsim_dup2(from, to);
	if (e) {
		errno = e;
		return -1;
	}
	return to;
}

int pipe2(int fds[2], int flags) {
	int e = __rumpsim_pipe2(fds, flags);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int pipe(int fds[2]) {
	return pipe2(fds, 0);
}

int __real_fcntl(int, int, ...);

int __wrap_fcntl(int fd, int cmd, ...) {
	va_list ap;
	int arg;
	va_start(ap, cmd);
	arg = va_arg(ap, int);
	va_end(ap);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		int nfd, e = __rumpsim_dupfd(fd, arg, &nfd);
		if (e) {
			errno = e;
			return -1;
		}
		return nfd;
	}
	return __real_fcntl(fd, cmd, arg);
}
