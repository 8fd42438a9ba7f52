/*
 * sys/socket.h (rumpsim overlay) — wasi-libc's header, plus the calls and options it
 * hides, implemented by wasm/libc/socket.c over the `rumpsim` import module.
 *
 * Numbers: wasi-libc's where it has them (AF_INET 1, SOCK_DGRAM 5, SOCK_STREAM 6,
 * SOL_SOCKET 0x7fffffff, MSG_PEEK 1, SHUT_RD 1, SHUT_WR 2); Linux's for the options it
 * lacks. wasm/rumpsim_imports.ts translates them to the kernel's (NetBSD's).
 */
#ifndef _RUMPSIM_SYS_SOCKET_H
#define _RUMPSIM_SYS_SOCKET_H

#include_next <sys/socket.h>

#ifndef SOCK_RAW
#define SOCK_RAW 3
#endif
#ifndef PF_INET
#define PF_INET AF_INET
#define PF_UNSPEC AF_UNSPEC
#endif
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#endif
#ifndef SO_ERROR
#define SO_ERROR 4
#endif
#ifndef SO_BROADCAST
#define SO_BROADCAST 6
#endif
#ifndef SO_SNDBUF
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#endif
#ifndef SO_KEEPALIVE
#define SO_KEEPALIVE 9
#endif
#ifndef SO_LINGER
#define SO_LINGER 13
#endif
#ifndef SO_REUSEPORT
#define SO_REUSEPORT 15
#endif
#ifndef SO_ACCEPTCONN
#define SO_ACCEPTCONN 30
#endif
#ifndef MSG_DONTWAIT
#define MSG_DONTWAIT 0x40
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0x4000
#endif
#ifndef SOMAXCONN
#define SOMAXCONN 128
#endif

#ifdef __cplusplus
extern "C" {
#endif

int socket(int, int, int);
int bind(int, const struct sockaddr *, socklen_t);
int connect(int, const struct sockaddr *, socklen_t);
int listen(int, int);
int getsockname(int, struct sockaddr *__restrict, socklen_t *__restrict);
int getpeername(int, struct sockaddr *__restrict, socklen_t *__restrict);
ssize_t sendto(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
ssize_t recvfrom(int, void *__restrict, size_t, int, struct sockaddr *__restrict,
    socklen_t *__restrict);
int setsockopt(int, int, int, const void *, socklen_t);

#ifdef __cplusplus
}
#endif

#endif
