/*
 * socket.c — the BSD socket calls wasi-libc lacks or keeps to preview 1 (socket, bind,
 * connect, listen, accept, accept4, getsockname, getpeername, getsockopt, setsockopt,
 * sendto, recvfrom, send, recv), over the `rumpsim` import module. Each sets errno from
 * the import's WASI errno and returns -1 on failure, as POSIX says.
 */
#include <errno.h>
#include <sys/socket.h>

#include "rumpsim_imports.h"

static int fail(int e) {
	errno = e;
	return -1;
}

int socket(int domain, int type, int protocol) {
	int fd, e = __rumpsim_socket(domain, type, protocol, &fd);
	return e ? fail(e) : fd;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
	int e = __rumpsim_bind(fd, sa, len);
	return e ? fail(e) : 0;
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
	int e = __rumpsim_connect(fd, sa, len);
	return e ? fail(e) : 0;
}

int listen(int fd, int backlog) {
	int e = __rumpsim_listen(fd, backlog);
	return e ? fail(e) : 0;
}

int accept4(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len, int flags) {
	int nfd, e = __rumpsim_accept4(fd, sa, sa ? len : 0, flags, &nfd);
	return e ? fail(e) : nfd;
}

int accept(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
	return accept4(fd, sa, len, 0);
}

int getsockname(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
	int e = __rumpsim_getsockname(fd, sa, len);
	return e ? fail(e) : 0;
}

int getpeername(int fd, struct sockaddr *__restrict sa, socklen_t *__restrict len) {
	int e = __rumpsim_getpeername(fd, sa, len);
	return e ? fail(e) : 0;
}

int getsockopt(int fd, int level, int name, void *__restrict val, socklen_t *__restrict len) {
	int e = __rumpsim_getsockopt(fd, level, name, val, len);
	return e ? fail(e) : 0;
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
	int e = __rumpsim_setsockopt(fd, level, name, val, len);
	return e ? fail(e) : 0;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *sa,
    socklen_t salen) {
	size_t n;
	int e = __rumpsim_sendto(fd, buf, len, flags, sa, sa ? salen : 0, &n);
	return e ? fail(e) : (ssize_t)n;
}

ssize_t recvfrom(int fd, void *__restrict buf, size_t len, int flags,
    struct sockaddr *__restrict sa, socklen_t *__restrict salen) {
	size_t n;
	int e = __rumpsim_recvfrom(fd, buf, len, flags, sa, sa ? salen : 0, &n);
	return e ? fail(e) : (ssize_t)n;
}

ssize_t send(int fd, const void *buf, size_t len, int flags) {
	return sendto(fd, buf, len, flags, 0, 0);
}

ssize_t recv(int fd, void *buf, size_t len, int flags) {
	return recvfrom(fd, buf, len, flags, 0, 0);
}
