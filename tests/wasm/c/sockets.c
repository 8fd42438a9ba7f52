/* sockets.c — TCP and UDP on loopback from one process: non-blocking calls and EAGAIN,
 * poll, addresses, options, name resolution. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

static struct sockaddr_in addr(const char *ip, int port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = inet_addr(ip);
	return a;
}

int main(void) {
	struct sockaddr_in a = addr("127.0.0.1", 7000), got;
	socklen_t len;
	int ls, c, s, v, flags;
	char buf[64];
	struct pollfd p[2];

	ls = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0);
	v = 1;
	CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == 0);
	CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(ls, 8) == 0);
	len = sizeof v;
	CHECK(getsockopt(ls, SOL_SOCKET, SO_TYPE, &v, &len) == 0 && v == SOCK_STREAM);
	flags = fcntl(ls, F_GETFL);
	CHECK(fcntl(ls, F_SETFL, flags | O_NONBLOCK) == 0);
	CHECK_ERR(accept(ls, 0, 0), EAGAIN);
	printf("ok listen, accept EAGAIN\n");

	c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(c >= 0);
	CHECK_ERR(connect(c, (struct sockaddr *)&a, sizeof a), EINPROGRESS);
	p[0].fd = c;
	p[0].events = POLLOUT;
	CHECK(poll(p, 1, 5000) == 1 && (p[0].revents & POLLOUT));
	len = sizeof v;
	CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len) == 0 && v == 0);
	p[0].fd = ls;
	p[0].events = POLLIN;
	CHECK(poll(p, 1, 5000) == 1 && (p[0].revents & POLLIN));
	len = sizeof got;
	s = accept(ls, (struct sockaddr *)&got, &len);
	CHECK(s >= 0 && got.sin_family == AF_INET && got.sin_addr.s_addr == inet_addr("127.0.0.1"));
	len = sizeof got;
	CHECK(getpeername(c, (struct sockaddr *)&got, &len) == 0 && ntohs(got.sin_port) == 7000);
	len = sizeof got;
	CHECK(getsockname(s, (struct sockaddr *)&got, &len) == 0 && ntohs(got.sin_port) == 7000);
	v = 1;
	CHECK(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) == 0);
	printf("ok connect EINPROGRESS, poll, accept\n");

	CHECK(fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) == 0);
	CHECK_ERR(recv(s, buf, sizeof buf, 0), EAGAIN);
	CHECK(send(c, "ping", 4, 0) == 4);
	p[0].fd = s;
	p[0].events = POLLIN;
	CHECK(poll(p, 1, 5000) == 1);
	CHECK_ERR(recv(s, buf, sizeof buf, MSG_PEEK), EOPNOTSUPP); /* the kernel's TCP has no peek */
	CHECK(read(s, buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0);
	CHECK(write(s, "pong", 4) == 4);
	p[0].fd = c;
	CHECK(poll(p, 1, 5000) == 1);
	CHECK(recv(c, buf, sizeof buf, 0) == 4 && memcmp(buf, "pong", 4) == 0);
	CHECK(shutdown(c, SHUT_WR) == 0);
	CHECK(poll(p, 0, 200) == 0); /* a pure timeout */
	p[0].fd = s;
	CHECK(poll(p, 1, 5000) == 1);
	CHECK(recv(s, buf, sizeof buf, 0) == 0);
	CHECK(close(s) == 0 && close(c) == 0 && close(ls) == 0);
	printf("ok send, recv, EOF\n");

	{
		int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0);
		struct sockaddr_in a1 = addr("127.0.0.1", 9001), a2 = addr("127.0.0.1", 9002);
		CHECK(u1 >= 0 && u2 >= 0);
		CHECK(bind(u1, (struct sockaddr *)&a1, sizeof a1) == 0);
		CHECK(bind(u2, (struct sockaddr *)&a2, sizeof a2) == 0);
		CHECK_ERR(bind(u2, (struct sockaddr *)&a1, sizeof a1), EINVAL);
		CHECK_ERR(recvfrom(u2, buf, sizeof buf, MSG_DONTWAIT, 0, 0), EAGAIN);
		CHECK(sendto(u1, "datagram", 8, 0, (struct sockaddr *)&a2, sizeof a2) == 8);
		CHECK(recv(u2, buf, sizeof buf, MSG_PEEK) == 8);
		len = sizeof got;
		CHECK(recvfrom(u2, buf, sizeof buf, 0, (struct sockaddr *)&got, &len) == 8);
		CHECK(memcmp(buf, "datagram", 8) == 0 && ntohs(got.sin_port) == 9001);
		CHECK(close(u1) == 0 && close(u2) == 0);
		printf("ok udp\n");
	}

	{
		struct addrinfo hints, *res;
		memset(&hints, 0, sizeof hints);
		hints.ai_socktype = SOCK_STREAM;
		CHECK(getaddrinfo("localhost", "http", &hints, &res) == 0);
		got = *(struct sockaddr_in *)res->ai_addr;
		CHECK(got.sin_addr.s_addr == inet_addr("127.0.0.1") && ntohs(got.sin_port) == 80);
		freeaddrinfo(res);
		CHECK(getaddrinfo("10.1.2.3", "8080", &hints, &res) == 0);
		got = *(struct sockaddr_in *)res->ai_addr;
		CHECK(strcmp(inet_ntoa(got.sin_addr), "10.1.2.3") == 0 && ntohs(got.sin_port) == 8080);
		freeaddrinfo(res);
		CHECK(getaddrinfo("no.such.host", "80", &hints, &res) == EAI_NONAME);
		{
			struct in_addr gw;
			struct hostent *h;
			gw.s_addr = inet_addr("10.0.2.2");
			h = gethostbyaddr(&gw, 4, AF_INET);
			CHECK(h && strcmp(h->h_name, "gateway.rumpsim") == 0);
			h = gethostbyname("posix");
			CHECK(h && memcmp(h->h_addr, &(in_addr_t){ inet_addr("10.0.2.15") }, 4) == 0);
		}
		printf("ok getaddrinfo\n");
	}

	CHECK_ERR(socket(AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERR(listen(42, 1), EBADF);
	return 0;
}
