/*
 * __struct_sockaddr_un.h (rumpsim overlay) — struct sockaddr_un with its sun_path, which
 * wasi-libc's own version leaves out; found first, under wasi-libc's include guard, so
 * sys/un.h gets this one. The kernel has no AF_UNIX (socket() refuses the family), but
 * programs that size or fill the structure compile unchanged.
 */
#ifndef __wasilibc___struct_sockaddr_un_h
#define __wasilibc___struct_sockaddr_un_h

#define __need_STDDEF_H_misc
#include <stddef.h>

#include <__typedef_sa_family_t.h>

struct sockaddr_un {
	_Alignas(max_align_t) sa_family_t sun_family;
	char sun_path[108];
};

#endif
