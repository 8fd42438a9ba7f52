/* minihttpd.c — a small single-process HTTP/1.1 file server on poll(2) and non-blocking
 * sockets: `minihttpd PORT DOCROOT`. GET and HEAD of regular files (200, with
 * Content-Length), 404 for what is not there, 405 for other methods, keep-alive unless
 * the client sends "Connection: close". A test of the socket calls and of blocking in
 * poll, not a server to deploy: requests larger than the buffer are refused. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

#define MAXC 128
#define BUFSZ 4096

struct conn {
	int fd;
	int len;
	char buf[BUFSZ];
};

static struct conn conns[MAXC];
static const char *root;

static int write_all(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			poll(&pf, 1, -1);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Answers one request; 0 to keep the connection, -1 to close it. */
static int respond(int fd, char *req) {
	char method[8], path[1024], file[1200], head[256];
	int keep = strstr(req, "Connection: close") == 0 && strstr(req, "connection: close") == 0;
	struct stat st;
	int head_only, f, n;
	if (sscanf(req, "%7s %1023s", method, path) != 2)
		return -1;
	head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		n = snprintf(head, sizeof head, "HTTP/1.1 405 Method Not Allowed\r\n"
		    "Content-Length: 0\r\n\r\n");
		return write_all(fd, head, n) < 0 ? -1 : keep - 1;
	}
	snprintf(file, sizeof file, "%s%s", root, path);
	if (strstr(path, "..") || stat(file, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (f = open(file, O_RDONLY)) < 0) {
		static const char body[] = "not found\n";
		n = snprintf(head, sizeof head, "HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n"
		    "Content-Type: text/plain\r\n\r\n", (int)sizeof body - 1);
		if (write_all(fd, head, n) < 0)
			return -1;
		if (!head_only && write_all(fd, body, sizeof body - 1) < 0)
			return -1;
		return keep - 1;
	}
	n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\n"
	    "Server: minihttpd\r\n\r\n", (long long)st.st_size);
	if (write_all(fd, head, n) < 0) {
		close(f);
		return -1;
	}
	if (!head_only) {
		char chunk[16384];
		ssize_t r;
		while ((r = read(f, chunk, sizeof chunk)) > 0) {
			if (write_all(fd, chunk, (size_t)r) < 0) {
				close(f);
				return -1;
			}
		}
	}
	close(f);
	return keep - 1;
}

int main(int argc, char **argv) {
	struct sockaddr_in a;
	struct pollfd pfd[MAXC + 1];
	int ls, i, v = 1;

	CHECK(argc == 3);
	root = argv[2];
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(atoi(argv[1]));
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(ls >= 0);
	CHECK(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &v, sizeof v) == 0);
	CHECK(bind(ls, (struct sockaddr *)&a, sizeof a) == 0);
	CHECK(listen(ls, 64) == 0);
	for (i = 0; i < MAXC; i++)
		conns[i].fd = -1;
	printf("minihttpd: serving %s on port %s\n", root, argv[1]);
	fflush(stdout);
	for (;;) {
		int n = 0, map[MAXC + 1];
		pfd[n].fd = ls;
		pfd[n].events = POLLIN;
		map[n++] = -1;
		for (i = 0; i < MAXC; i++) {
			if (conns[i].fd < 0)
				continue;
			pfd[n].fd = conns[i].fd;
			pfd[n].events = POLLIN;
			map[n++] = i;
		}
		CHECK(poll(pfd, n, -1) > 0);
		for (i = 0; i < n; i++) {
			struct conn *c;
			char *end;
			ssize_t r;
			if (!pfd[i].revents)
				continue;
			if (map[i] < 0) {
				int fd, k;
				while ((fd = accept4(ls, 0, 0, SOCK_NONBLOCK)) >= 0) {
					for (k = 0; k < MAXC && conns[k].fd >= 0; k++)
						;
					if (k == MAXC) {
						close(fd);
						continue;
					}
					/* header and body go in two writes: no Nagle wait between them */
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
					conns[k].fd = fd;
					conns[k].len = 0;
				}
				CHECK(errno == EAGAIN);
				continue;
			}
			c = &conns[map[i]];
			r = read(c->fd, c->buf + c->len, BUFSZ - 1 - c->len);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				close(c->fd);
				c->fd = -1;
				continue;
			}
			c->len += (int)r;
			c->buf[c->len] = '\0';
			while ((end = strstr(c->buf, "\r\n\r\n")) != 0) {
				int used = (int)(end + 4 - c->buf), keep;
				end[2] = '\0';
				keep = respond(c->fd, c->buf);
				memmove(c->buf, c->buf + used, c->len - used + 1);
				c->len -= used;
				if (keep < 0) {
					close(c->fd);
					c->fd = -1;
					break;
				}
			}
			if (c->fd >= 0 && c->len >= BUFSZ - 1) {
				close(c->fd);
				c->fd = -1;
			}
		}
	}
}
