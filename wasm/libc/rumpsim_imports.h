/*
 * rumpsim_imports.h — the `rumpsim` import module as C sees it (the ABI is documented in
 * wasm/rumpsim_imports.ts). Each call returns a WASI errno (0 on success), which is
 * wasi-libc's errno value.
 */
#ifndef _RUMPSIM_IMPORTS_H
#define _RUMPSIM_IMPORTS_H

#include <stddef.h>
#include <stdint.h>

#define RUMPSIM_IMPORT(name) \
	__attribute__((__import_module__("rumpsim"), __import_name__(#name)))

int __rumpsim_socket(int, int, int, int *) RUMPSIM_IMPORT(socket);
int __rumpsim_bind(int, const void *, uint32_t) RUMPSIM_IMPORT(bind);
int __rumpsim_connect(int, const void *, uint32_t) RUMPSIM_IMPORT(connect);
int __rumpsim_listen(int, int) RUMPSIM_IMPORT(listen);
int __rumpsim_accept4(int, void *, uint32_t *, int, int *) RUMPSIM_IMPORT(accept4);
int __rumpsim_getsockname(int, void *, uint32_t *) RUMPSIM_IMPORT(getsockname);
int __rumpsim_getpeername(int, void *, uint32_t *) RUMPSIM_IMPORT(getpeername);
int __rumpsim_getsockopt(int, int, int, void *, uint32_t *) RUMPSIM_IMPORT(getsockopt);
int __rumpsim_setsockopt(int, int, int, const void *, uint32_t) RUMPSIM_IMPORT(setsockopt);
int __rumpsim_sendto(int, const void *, size_t, int, const void *, uint32_t, size_t *)
	RUMPSIM_IMPORT(sendto);
int __rumpsim_recvfrom(int, void *, size_t, int, void *, uint32_t *, size_t *)
	RUMPSIM_IMPORT(recvfrom);
int __rumpsim_chmod(const char *, size_t, unsigned) RUMPSIM_IMPORT(chmod);
int __rumpsim_fchmod(int, unsigned) RUMPSIM_IMPORT(fchmod);
int __rumpsim_dup(int, int *) RUMPSIM_IMPORT(dup);
int __rumpsim_dup2(int, int) RUMPSIM_IMPORT(dup2);
int __rumpsim_dupfd(int, int, int *) RUMPSIM_IMPORT(dupfd);
int __rumpsim_pipe2(int *, int) RUMPSIM_IMPORT(pipe2);
int __rumpsim_uname(void *) RUMPSIM_IMPORT(uname);
int __rumpsim_getpid(void) RUMPSIM_IMPORT(getpid);
int __rumpsim_kill(int, int) RUMPSIM_IMPORT(kill);
int __rumpsim_gethostbyname(const char *, size_t, void *, uint32_t, uint32_t *, char *, uint32_t,
    int *) RUMPSIM_IMPORT(gethostbyname);
int __rumpsim_gethostbyaddr(const void *, char *, uint32_t, int *) RUMPSIM_IMPORT(gethostbyaddr);
int __rumpsim_setjmp(void *, unsigned long) RUMPSIM_IMPORT(setjmp);
int __rumpsim_longjmp(void *, int, unsigned long) RUMPSIM_IMPORT(longjmp);

#endif
