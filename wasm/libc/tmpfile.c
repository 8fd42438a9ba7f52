/*
 * tmpfile.c — mkstemp, mkostemp and mkdtemp: the trailing XXXXXX of the template becomes
 * six characters from the kernel's seeded randomness (so a run's names are the same for
 * the same seed); the file (mode 0600) or directory (0700) is created exclusively, and a
 * name already taken is tried again, up to 100 times, then EEXIST.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/* Fills the XXXXXX; -1 with EINVAL when the template does not end in them. */
static int fill(char *tmpl) {
	size_t n = strlen(tmpl);
	unsigned char r[6];
	int i;
	if (n < 6 || strcmp(tmpl + n - 6, "XXXXXX") != 0) {
		errno = EINVAL;
		return -1;
	}
	if (getentropy(r, sizeof r) != 0)
		return -1;
	for (i = 0; i < 6; i++)
		tmpl[n - 6 + i] = chars[r[i] % (sizeof chars - 1)];
	return 0;
}

int mkostemp(char *tmpl, int flags) {
	size_t n = strlen(tmpl);
	int tries, fd;
	for (tries = 0; tries < 100; tries++) {
		if (tries)
			memcpy(tmpl + n - 6, "XXXXXX", 6);
		if (fill(tmpl) < 0)
			return -1;
		fd = open(tmpl, O_RDWR | O_CREAT | O_EXCL | (flags & ~O_ACCMODE), 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

int mkstemp(char *tmpl) {
	return mkostemp(tmpl, 0);
}

char *mkdtemp(char *tmpl) {
	size_t n = strlen(tmpl);
	int tries;
	for (tries = 0; tries < 100; tries++) {
		if (tries)
			memcpy(tmpl + n - 6, "XXXXXX", 6);
		if (fill(tmpl) < 0)
			return 0;
		if (mkdir(tmpl, 0700) == 0)
			return tmpl;
		if (errno != EEXIST)
			return 0;
	}
	errno = EEXIST;
	return 0;
}
