/*
 * chmod.c — chmod and fchmod over the `rumpsim` module, and umask.
 *
 * Rules: a relative path is joined to wasi-libc's current directory (getcwd) before it
 * goes to the kernel, which resolves it from /. umask only remembers the mask and returns
 * the previous one: WASI's path_open carries no mode, so files are created 0666 less the
 * kernel's own umask whatever the program sets.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rumpsim_imports.h"

static mode_t cur_umask = 022;

int chmod(const char *path, mode_t mode) {
	char abs[PATH_MAX];
	int e;
	if (path[0] != '/') {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return -1;
		if ((size_t)snprintf(abs, sizeof abs, "%s/%s", strcmp(cwd, "/") ? cwd : "", path) >=
		    sizeof abs) {
			errno = ENAMETOOLONG;
			return -1;
		}
		path = abs;
	}
	e = __rumpsim_chmod(path, strlen(path), mode);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

int fchmod(int fd, mode_t mode) {
	int e = __rumpsim_fchmod(fd, mode);
	if (e) {
		errno = e;
		return -1;
	}
	return 0;
}

mode_t umask(mode_t mask) {
	mode_t old = cur_umask;
	cur_umask = mask & 0777;
	return old;
}
