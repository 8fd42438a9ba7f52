/* memory.c — built with a 4 MiB memory limit: malloc fails with ENOMEM when memory cannot
 * grow, and memory given back can be allocated again. */
#include <stdlib.h>

#include "check.h"

/* Where the blocks go: volatile, so the compiler cannot drop an allocation as unused. */
static void *volatile blocks[64];

int main(void) {
	int n = 0, i;
	errno = 0;
	while (n < 64 && (blocks[n] = malloc(256 * 1024)) != 0) {
		memset(blocks[n], n, 256 * 1024);
		n++;
	}
	CHECK(n > 0 && n < 64);
	CHECK(errno == ENOMEM);
	printf("ok %d blocks of 256 KiB, then ENOMEM\n", n);
	for (i = 0; i < n; i++)
		free(blocks[i]);
	CHECK((blocks[0] = malloc(256 * 1024)) != 0);
	printf("ok allocated again after free\n");
	return 0;
}
