/*
 * pwd.h (rumpsim overlay; wasi-libc has none) — the password database: one user, root
 * (uid 0), as the POSIX image's /etc/passwd says (wasm/libc/pwd.c).
 */
#ifndef _RUMPSIM_PWD_H
#define _RUMPSIM_PWD_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct passwd {
	char *pw_name;
	char *pw_passwd;
	uid_t pw_uid;
	gid_t pw_gid;
	char *pw_gecos;
	char *pw_dir;
	char *pw_shell;
};

struct passwd *getpwnam(const char *);
struct passwd *getpwuid(uid_t);
void setpwent(void);
void endpwent(void);
struct passwd *getpwent(void);

#ifdef __cplusplus
}
#endif

#endif
