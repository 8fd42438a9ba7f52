/*
 * grp.h (rumpsim overlay; wasi-libc has none) — the group database: one group, wheel
 * (gid 0), with root in it (wasm/libc/pwd.c).
 */
#ifndef _RUMPSIM_GRP_H
#define _RUMPSIM_GRP_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct group {
	char *gr_name;
	char *gr_passwd;
	gid_t gr_gid;
	char **gr_mem;
};

struct group *getgrnam(const char *);
struct group *getgrgid(gid_t);
int initgroups(const char *, gid_t);
int setgroups(size_t, const gid_t *);

#ifdef __cplusplus
}
#endif

#endif
