/* nat_client.c — a client of the host through the user network's NAT: a TCP request to
 * 10.0.2.2:TCPPORT answered by the host's 127.0.0.1:TCPPORT, and a UDP datagram to
 * 10.0.2.2:UDPPORT echoed by the host. Prints what came back. Used by the --record and
 * --replay test (tests/cli/record_net_test.ts). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in gateway(int port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = inet_addr("10.0.2.2");
	return a;
}

int main(int argc, char **argv) {
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	if (argc != 3) {
		fprintf(stderr, "usage: nat_client TCPPORT UDPPORT\n");
		return 2;
	}
	struct sockaddr_in t = gateway(atoi(argv[1])), u = gateway(atoi(argv[2]));

	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&t, sizeof t) != 0) {
		perror("tcp connect");
		return 1;
	}
	const char req[] = "GET /nat HTTP/1.0\r\n\r\n";
	if (write(s, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) return 1;
	while ((n = read(s, buf + got, sizeof buf - 1 - got)) > 0) got += (size_t)n;
	close(s);
	buf[got] = 0;
	char *body = strstr(buf, "\r\n\r\n");
	printf("tcp: %zu bytes, body \"%s\"\n", got, body ? body + 4 : "");

	int d = socket(AF_INET, SOCK_DGRAM, 0);
	const char ping[] = "ping over udp";
	if (d < 0 || sendto(d, ping, sizeof ping - 1, 0, (struct sockaddr *)&u, sizeof u) < 0) {
		perror("udp sendto");
		return 1;
	}
	struct pollfd p = {.fd = d, .events = POLLIN};
	if (poll(&p, 1, 5000) != 1) {
		fprintf(stderr, "udp: no answer\n");
		return 1;
	}
	n = recv(d, buf, sizeof buf - 1, 0);
	if (n < 0) return 1;
	buf[n] = 0;
	printf("udp: \"%s\"\n", buf);
	return 0;
}
