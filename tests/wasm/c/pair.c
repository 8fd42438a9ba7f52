/* pair.c — two processes over TCP with blocking calls: `pair server PORT` accepts one
 * connection and answers each line upper-cased; `pair client PORT N` sends N lines and
 * prints the answers. Each blocks in accept, connect and read while the other runs. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

int main(int argc, char **argv) {
	struct sockaddr_in a;
	char buf[128];
	int port, n, i;

	CHECK(argc >= 3);
	port = atoi(argv[2]);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = inet_addr("127.0.0.1");
	if (!strcmp(argv[1], "server")) {
		int ls = socket(AF_INET, SOCK_STREAM, 0), s;
		CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
		CHECK(listen(ls, 1) == 0);
		printf("server: listening on %d\n", port);
		fflush(stdout);
		s = accept(ls, 0, 0);
		CHECK(s >= 0);
		printf("server: accepted\n");
		fflush(stdout);
		while ((n = read(s, buf, sizeof buf)) > 0) {
			for (i = 0; i < n; i++)
				buf[i] = toupper((unsigned char)buf[i]);
			CHECK(write(s, buf, n) == n);
		}
		CHECK(n == 0);
		printf("server: client closed\n");
		close(s);
		close(ls);
		return 0;
	}
	{
		int c = socket(AF_INET, SOCK_STREAM, 0), count = argc > 3 ? atoi(argv[3]) : 3;
		CHECK(c >= 0);
		CHECK(connect(c, (struct sockaddr *)&a, sizeof a) == 0);
		printf("client: connected\n");
		for (i = 0; i < count; i++) {
			int len = snprintf(buf, sizeof buf, "line %d\n", i), got = 0;
			CHECK(write(c, buf, len) == len);
			while (got < len) {
				n = read(c, buf + got, sizeof buf - got);
				CHECK(n > 0);
				got += n;
			}
			printf("client: %.*s", got, buf);
		}
		close(c);
		return 0;
	}
}
