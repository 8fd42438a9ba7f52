/* pipes.c — pipe, pipe2 with O_NONBLOCK (EAGAIN when empty), dup and dup2, and poll on a
 * pipe: readable once written, POLLHUP once the write end is closed. */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "check.h"

int main(void) {
	int p[2], q[2], d;
	char buf[16];
	struct pollfd pf;

	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "abc", 3) == 3);
	CHECK(read(p[0], buf, sizeof buf) == 3 && memcmp(buf, "abc", 3) == 0);
	d = dup(p[1]);
	CHECK(d > p[1]);
	CHECK(write(d, "via dup", 7) == 7);
	CHECK(read(p[0], buf, sizeof buf) == 7 && memcmp(buf, "via dup", 7) == 0);
	CHECK(dup2(p[1], 20) == 20);
	CHECK(write(20, "x", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'x');
	CHECK_ERR(dup(77), EBADF);
	d = fcntl(p[1], F_DUPFD, 30);
	CHECK(d == 30 && write(d, "z", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'z');
	CHECK(fcntl(p[1], F_DUPFD_CLOEXEC, 30) == 31);
	CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
	printf("ok pipe, dup, dup2, F_DUPFD\n");

	CHECK(pipe2(q, O_NONBLOCK) == 0);
	CHECK_ERR(read(q[0], buf, sizeof buf), EAGAIN);
	pf.fd = q[0];
	pf.events = POLLIN;
	CHECK(poll(&pf, 1, 100) == 0);
	CHECK(write(q[1], "y", 1) == 1);
	CHECK(poll(&pf, 1, 100) == 1 && (pf.revents & POLLIN));
	CHECK(read(q[0], buf, sizeof buf) == 1);
	CHECK(close(q[1]) == 0);
	CHECK(poll(&pf, 1, 100) == 1 && (pf.revents & POLLHUP));
	CHECK(read(q[0], buf, sizeof buf) == 0);
	printf("ok pipe2 O_NONBLOCK, poll, EOF\n");
	return 0;
}
