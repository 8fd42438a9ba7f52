/*
 * arpa/inet.h (rumpsim overlay) — wasi-libc's header, plus inet_addr, inet_aton and
 * inet_ntoa, which it hides (wasm/libc/netdb.c implements them).
 */
#ifndef _RUMPSIM_ARPA_INET_H
#define _RUMPSIM_ARPA_INET_H

#include_next <arpa/inet.h>

#ifdef __cplusplus
extern "C" {
#endif

in_addr_t inet_addr(const char *);
int inet_aton(const char *, struct in_addr *);
char *inet_ntoa(struct in_addr);

#ifdef __cplusplus
}
#endif

#endif
