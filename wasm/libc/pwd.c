/*
 * pwd.c — the password and group databases of the POSIX image: one user, root (uid 0,
 * home /root), and one group, wheel (gid 0), with root as its member. Lookups of any other
 * name or id find nothing (NULL, errno unchanged), as for an unknown user.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>

static struct passwd root_pw = {
	"root", "*", 0, 0, "Charlie &", "/root", "/bin/sh",
};
static char *wheel_members[] = { "root", 0 };
static struct group wheel_gr = { "wheel", "*", 0, wheel_members };
static int pw_next;

struct passwd *getpwnam(const char *name) {
	return strcmp(name, "root") == 0 ? &root_pw : 0;
}

struct passwd *getpwuid(uid_t uid) {
	return uid == 0 ? &root_pw : 0;
}

void setpwent(void) { pw_next = 0; }
void endpwent(void) { pw_next = 0; }

struct passwd *getpwent(void) {
	return pw_next++ == 0 ? &root_pw : 0;
}

struct group *getgrnam(const char *name) {
	return strcmp(name, "wheel") == 0 ? &wheel_gr : 0;
}

struct group *getgrgid(gid_t gid) {
	return gid == 0 ? &wheel_gr : 0;
}

int initgroups(const char *user, gid_t gid) {
	(void)user;
	(void)gid;
	return 0;
}

int setgroups(size_t n, const gid_t *list) {
	size_t i;
	for (i = 0; i < n; i++) {
		if (list[i] != 0) {
			errno = EPERM;
			return -1;
		}
	}
	return 0;
}
