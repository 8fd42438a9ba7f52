/* syscall_loop.c — `syscall_loop CALL N`: makes N cheap system calls of one kind, for
 * bench/wasm_syscall.ts: clock (clock_gettime: a direct import), getpid (rumpsim's),
 * write (fd_write of 1 byte to a tmpfs file: a blocking import that does not wait),
 * yield (sched_yield: a nanosleep of 0, which waits and so unwinds and rewinds). */
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv) {
	long n, i;
	int fd = -1;
	struct timespec t;
	CHECK(argc == 3);
	n = atol(argv[2]);
	if (!strcmp(argv[1], "write"))
		CHECK((fd = open("/tmp/bench", O_CREAT | O_WRONLY | O_TRUNC, 0644)) >= 0);
	for (i = 0; i < n; i++) {
		if (!strcmp(argv[1], "clock"))
			clock_gettime(CLOCK_MONOTONIC, &t);
		else if (!strcmp(argv[1], "getpid"))
			getpid();
		else if (!strcmp(argv[1], "write"))
			CHECK(write(fd, "x", 1) == 1);
		else
			sched_yield();
	}
	return 0;
}
