/*
 * proc.c — process identity for a WebAssembly program: getpid, getppid, uname and
 * gethostname from the kernel (the `rumpsim` module), the ids of the one user (root),
 * wait/waitpid, which are ECHILD: such a program has no children, and system(3), which
 * has no shell to run: system(NULL) says so (0) and a command fails with ENOSYS; fork and
 * the exec family fail with ENOSYS too. kill(2) goes to the kernel (another process, or
 * this one); tzset has nothing to do: wasi-libc's only time zone is UTC.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rumpsim_imports.h"

pid_t getpid(void) {
	return __rumpsim_getpid();
}

pid_t getppid(void) {
	return 1;
}

int uname(struct utsname *u) {
	int e = __rumpsim_uname(u);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int gethostname(char *name, size_t len) {
	struct utsname u;
	if (uname(&u) < 0)
		return -1;
	if (strlen(u.nodename) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(name, u.nodename);
	return 0;
}

uid_t getuid(void) { return 0; }
uid_t geteuid(void) { return 0; }
gid_t getgid(void) { return 0; }
gid_t getegid(void) { return 0; }

int setuid(uid_t uid) {
	if (uid != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int setgid(gid_t gid) {
	if (gid != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

pid_t waitpid(pid_t pid, int *status, int options) {
	(void)pid;
	(void)status;
	(void)options;
	errno = ECHILD;
	return -1;
}

pid_t wait(int *status) {
	return waitpid(-1, status, 0);
}

int system(const char *cmd) {
	if (!cmd)
		return 0;
	errno = ENOSYS;
	return -1;
}

pid_t fork(void) {
	errno = ENOSYS;
	return -1;
}

int execve(const char *path, char *const argv[], char *const envp[]) {
	(void)path;
	(void)argv;
	(void)envp;
	errno = ENOSYS;
	return -1;
}

int execv(const char *path, char *const argv[]) {
	return execve(path, argv, 0);
}

int execvp(const char *file, char *const argv[]) {
	return execve(file, argv, 0);
}

int kill(pid_t pid, int sig) {
	int e = __rumpsim_kill(pid, sig);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

void tzset(void) {}
