/* check.h — the C tests' one macro: a failed check prints the line, errno and exits 1. */
#ifndef CHECK_H
#define CHECK_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) do { \
	if (!(cond)) { \
		printf("FAIL %s:%d: %s (errno %d: %s)\n", __FILE__, __LINE__, #cond, errno, \
		    strerror(errno)); \
		fflush(stdout); \
		exit(1); \
	} \
} while (0)

/* The call fails with -1 and errno `e`. */
#define CHECK_ERR(call, e) do { \
	errno = 0; \
	long r_ = (long)(call); \
	if (r_ != -1 || errno != (e)) { \
		printf("FAIL %s:%d: %s gave %ld errno %d (%s), wanted errno %d (%s)\n", __FILE__, \
		    __LINE__, #call, r_, errno, strerror(errno), (e), strerror(e)); \
		fflush(stdout); \
		exit(1); \
	} \
} while (0)

#endif
