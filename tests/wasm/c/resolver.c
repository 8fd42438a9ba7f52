/*
 * resolver.c — name resolution through the system's resolver, on the user network: a
 * name only the gateway's DNS (10.0.2.3) knows resolves, an unknown one is EAI_NONAME,
 * /etc/hosts still comes first, reverse lookups; with `unreachable`, a resolv.conf naming
 * a server that is not there gives EAI_AGAIN and TRY_AGAIN (in virtual time).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void unreachable(void) {
	static const char conf[] = "nameserver 10.0.2.99\noptions timeout:2 attempts:2\n";
	struct addrinfo hints, *res;
	double t0;
	int fd = open("/etc/resolv.conf", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write(fd, conf, sizeof conf - 1) == (ssize_t)(sizeof conf - 1));
	close(fd);
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	t0 = now();
	CHECK(getaddrinfo("db.example.test", "80", &hints, &res) == EAI_AGAIN);
	CHECK(gethostbyname("db.example.test") == 0 && h_errno == TRY_AGAIN);
	/* No ARP reply for 10.0.2.99: the first query waits, then the host is unreachable. */
	printf("ok unreachable: EAI_AGAIN after %.1f s\n", now() - t0);
	/* /etc/hosts does not need the server. */
	CHECK(getaddrinfo("localhost", "80", &hints, &res) == 0);
	freeaddrinfo(res);
}

int main(int argc, char **argv) {
	struct addrinfo hints, *res;
	struct sockaddr_in sin;
	char host[NI_MAXHOST];
	struct hostent *h;

	if (argc > 1 && strcmp(argv[1], "unreachable") == 0) {
		unreachable();
		return 0;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	CHECK(getaddrinfo("db.example.test", "http", &hints, &res) == 0);
	sin = *(struct sockaddr_in *)res->ai_addr;
	CHECK(ntohs(sin.sin_port) == 80);
	printf("ok getaddrinfo db.example.test: %s canon %s\n", inet_ntoa(sin.sin_addr),
	    res->ai_canonname);
	CHECK(res->ai_next == 0);
	freeaddrinfo(res);
	/* Case and a trailing dot do not matter. */
	CHECK(getaddrinfo("DB.Example.Test.", "80", &hints, &res) == 0);
	CHECK(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == sin.sin_addr.s_addr);
	freeaddrinfo(res);

	CHECK(getaddrinfo("nowhere.example.test", "80", &hints, &res) == EAI_NONAME);
	CHECK(strcmp(gai_strerror(EAI_NONAME), "Name does not resolve") == 0);
	h = gethostbyname("nowhere.example.test");
	CHECK(h == 0 && h_errno == HOST_NOT_FOUND);
	printf("ok unknown name: EAI_NONAME, HOST_NOT_FOUND\n");

	h = gethostbyname("db.example.test");
	CHECK(h && h->h_length == 4 && h->h_addr_list[1] == 0);
	CHECK(memcmp(h->h_addr, &sin.sin_addr, 4) == 0);
	printf("ok gethostbyname %s\n", h->h_name);

	/* /etc/hosts first: gateway.rumpsim is there as well as in the DNS. */
	CHECK(getaddrinfo("localhost", "80", &hints, &res) == 0);
	CHECK(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == inet_addr("127.0.0.1"));
	freeaddrinfo(res);

	/* Reverse: /etc/hosts knows 10.0.2.2; the DNS answers no PTR query (NXDOMAIN). */
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = inet_addr("10.0.2.2");
	CHECK(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, 0, 0,
	    NI_NAMEREQD) == 0);
	CHECK(strcmp(host, "gateway.rumpsim") == 0);
	sin.sin_addr.s_addr = inet_addr("10.0.2.77");
	CHECK(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, 0, 0,
	    NI_NAMEREQD) == EAI_NONAME);
	CHECK(getnameinfo((struct sockaddr *)&sin, sizeof sin, host, sizeof host, 0, 0, 0) == 0);
	CHECK(strcmp(host, "10.0.2.77") == 0);
	printf("ok getnameinfo\n");
	return 0;
}
