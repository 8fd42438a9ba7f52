/*
 * netdb.c — name and service lookup for a WebAssembly program: getaddrinfo,
 * freeaddrinfo, gai_strerror, getnameinfo, gethostbyname, gethostbyaddr, getservbyname,
 * hstrerror, and inet_addr/inet_aton/inet_ntoa, which wasi-libc hides.
 *
 * Rules: IPv4 only. A host is a dotted quad, or a name the system's resolver knows: the
 * `rumpsim` import gethostbyname/gethostbyaddr runs the libc's stub resolver
 * (kernel/syscall/resolv.ts) on this process's system calls: /etc/hosts, then the DNS
 * servers of /etc/resolv.conf. A NULL host is the loopback address, or INADDR_ANY with
 * AI_PASSIVE. Failures map as NetBSD's getaddrinfo maps h_errno: HOST_NOT_FOUND and
 * NO_DATA to EAI_NONAME, TRY_AGAIN (no server answered) to EAI_AGAIN, NO_RECOVERY to
 * EAI_FAIL. A service is a number or a name in /etc/services. With no socktype asked for,
 * one address per stream and datagram type is returned, as other libcs do.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rumpsim_imports.h"

#define MAXADDRS 16

int h_errno;

int inet_aton(const char *s, struct in_addr *out) {
	unsigned long part[4];
	int n = 0;
	const char *p = s;
	for (;;) {
		char *end;
		if (!isdigit((unsigned char)*p))
			return 0;
		part[n] = strtoul(p, &end, 10);
		if (part[n] > 255 || end == p)
			return 0;
		n++;
		p = end;
		if (*p == '\0')
			break;
		if (*p != '.' || n == 4)
			return 0;
		p++;
	}
	if (n != 4)
		return 0;
	out->s_addr = htonl((uint32_t)(part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3]));
	return 1;
}

in_addr_t inet_addr(const char *s) {
	struct in_addr a;
	return inet_aton(s, &a) ? a.s_addr : (in_addr_t)-1;
}

char *inet_ntoa(struct in_addr a) {
	static char buf[INET_ADDRSTRLEN];
	const unsigned char *b = (const unsigned char *)&a.s_addr;
	snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	return buf;
}

/*
 * Resolves `name` through the resolver: 0 and up to `max` addresses (and the canonical
 * name, when `canon` is not NULL), or the h_errno of the failure.
 */
static int resolve(const char *name, struct in_addr *addrs, int max, int *n, char *canon,
    size_t canonlen) {
	uint32_t got = 0;
	int herr = 0;
	char dummy[1];
	if (__rumpsim_gethostbyname(name, strlen(name), addrs, (uint32_t)max, &got,
	    canon ? canon : dummy, canon ? (uint32_t)canonlen : sizeof dummy, &herr) != 0)
		return NO_RECOVERY;
	if (herr)
		return herr;
	*n = (int)got;
	return got ? 0 : NO_DATA;
}

static int eai_of(int herr) {
	switch (herr) {
	case HOST_NOT_FOUND:
	case NO_DATA: return EAI_NONAME;
	case TRY_AGAIN: return EAI_AGAIN;
	default: return EAI_FAIL;
	}
}

/* Looks a service up in /etc/services; its port (host order) or -1. */
static int services_lookup(const char *name, const char *proto) {
	FILE *f = fopen("/etc/services", "r");
	char line[512];
	int port = -1;
	if (!f)
		return -1;
	while (port < 0 && fgets(line, sizeof line, f)) {
		char *save, *sname = strtok_r(line, " \t\r\n", &save);
		char *pp = sname ? strtok_r(0, " \t\r\n", &save) : 0;
		char *slash = pp ? strchr(pp, '/') : 0;
		if (!slash || strcmp(sname, name) != 0)
			continue;
		if (proto && strcmp(slash + 1, proto) != 0)
			continue;
		port = atoi(pp);
	}
	fclose(f);
	return port;
}

struct ai_block {
	struct addrinfo ai;
	struct sockaddr_in sin;
};

int getaddrinfo(const char *__restrict host, const char *__restrict serv,
    const struct addrinfo *__restrict hints, struct addrinfo **__restrict res) {
	struct in_addr addrs[MAXADDRS];
	static char canon[256];
	int naddrs = 1, port = 0, flags = hints ? hints->ai_flags : 0;
	int family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0;
	int protocol = hints ? hints->ai_protocol : 0;
	int types[2], ntypes = 0, i, j;
	struct addrinfo *head = 0, **tail = &head;

	if (!host && !serv)
		return EAI_NONAME;
	if (family != AF_UNSPEC && family != AF_INET)
		return EAI_FAMILY;
	if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	if (serv) {
		char *end;
		long n = strtol(serv, &end, 10);
		if (*serv && *end == '\0' && n >= 0 && n <= 65535) {
			port = (int)n;
		} else if (flags & AI_NUMERICSERV) {
			return EAI_NONAME;
		} else {
			port = services_lookup(serv, socktype == SOCK_DGRAM ? "udp" :
			    socktype == SOCK_STREAM ? "tcp" : 0);
			if (port < 0)
				return EAI_SERVICE;
		}
	}
	canon[0] = '\0';
	if (!host) {
		addrs[0].s_addr = htonl(flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK);
	} else if (inet_aton(host, &addrs[0])) {
		snprintf(canon, sizeof canon, "%s", host);
	} else {
		int herr;
		if (flags & AI_NUMERICHOST)
			return EAI_NONAME;
		herr = resolve(host, addrs, MAXADDRS, &naddrs, canon, sizeof canon);
		if (herr)
			return eai_of(herr);
	}
	if (socktype) {
		types[ntypes++] = socktype;
	} else {
		types[ntypes++] = SOCK_STREAM;
		types[ntypes++] = SOCK_DGRAM;
	}
	for (j = 0; j < naddrs; j++) {
		for (i = 0; i < ntypes; i++) {
			struct ai_block *b = calloc(1, sizeof *b);
			if (!b) {
				freeaddrinfo(head);
				return EAI_MEMORY;
			}
			b->sin.sin_family = AF_INET;
			b->sin.sin_port = htons((uint16_t)port);
			b->sin.sin_addr = addrs[j];
			b->ai.ai_family = AF_INET;
			b->ai.ai_socktype = types[i];
			b->ai.ai_protocol = protocol ? protocol :
			    types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
			b->ai.ai_addrlen = sizeof b->sin;
			b->ai.ai_addr = (struct sockaddr *)&b->sin;
			if (!head && (flags & AI_CANONNAME) && host) {
				b->ai.ai_canonname = strdup(canon);
				if (!b->ai.ai_canonname) {
					free(b);
					return EAI_MEMORY;
				}
			}
			*tail = &b->ai;
			tail = &b->ai.ai_next;
		}
	}
	*res = head;
	return 0;
}

void freeaddrinfo(struct addrinfo *ai) {
	while (ai) {
		struct addrinfo *next = ai->ai_next;
		free(ai->ai_canonname);
		free(ai); /* the addrinfo is the start of its ai_block */
		ai = next;
	}
}

const char *gai_strerror(int e) {
	switch (e) {
	case EAI_BADFLAGS: return "Invalid flags";
	case EAI_NONAME: return "Name does not resolve";
	case EAI_AGAIN: return "Try again";
	case EAI_FAIL: return "Non-recoverable error";
	case EAI_FAMILY: return "Unrecognized address family or invalid length";
	case EAI_SOCKTYPE: return "Unrecognized socket type";
	case EAI_SERVICE: return "Unrecognized service";
	case EAI_MEMORY: return "Out of memory";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Overflow";
	default: return "Unknown error";
	}
}

/* The name of `a` through the resolver into `name`: 0, or the h_errno of the failure. */
static int reverse(struct in_addr a, char *name, size_t len) {
	int herr = 0;
	if (__rumpsim_gethostbyaddr(&a, name, (uint32_t)len, &herr) != 0)
		return NO_RECOVERY;
	return herr;
}

int getnameinfo(const struct sockaddr *__restrict sa, socklen_t salen, char *__restrict host,
    socklen_t hostlen, char *__restrict serv, socklen_t servlen, int flags) {
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	if (salen < sizeof *sin || sin->sin_family != AF_INET)
		return EAI_FAMILY;
	if (host && hostlen) {
		char name[256];
		int herr = flags & NI_NUMERICHOST ? HOST_NOT_FOUND :
		    reverse(sin->sin_addr, name, sizeof name);
		if (herr && (flags & NI_NAMEREQD))
			return herr == TRY_AGAIN ? EAI_AGAIN : EAI_NONAME;
		if (herr)
			snprintf(name, sizeof name, "%s", inet_ntoa(sin->sin_addr));
		else if (flags & NI_NOFQDN)
			name[strcspn(name, ".")] = '\0';
		if ((socklen_t)snprintf(host, hostlen, "%s", name) >= hostlen)
			return EAI_OVERFLOW;
	} else if (flags & NI_NAMEREQD) {
		return EAI_NONAME;
	}
	if (serv && servlen) {
		if ((socklen_t)snprintf(serv, servlen, "%u", ntohs(sin->sin_port)) >= servlen)
			return EAI_OVERFLOW;
	}
	return 0;
}

struct hostent *gethostbyname(const char *name) {
	static struct hostent h;
	static struct in_addr addrs[MAXADDRS];
	static char *list[MAXADDRS + 1];
	static char *aliases[1];
	static char hname[256];
	int n = 1, i;
	if (inet_aton(name, &addrs[0])) {
		snprintf(hname, sizeof hname, "%s", name);
	} else {
		int herr = resolve(name, addrs, MAXADDRS, &n, hname, sizeof hname);
		if (herr) {
			h_errno = herr;
			return 0;
		}
	}
	for (i = 0; i < n; i++)
		list[i] = (char *)&addrs[i];
	list[n] = 0;
	aliases[0] = 0;
	h.h_name = hname;
	h.h_aliases = aliases;
	h.h_addrtype = AF_INET;
	h.h_length = 4;
	h.h_addr_list = list;
	return &h;
}

struct servent *getservbyname(const char *name, const char *proto) {
	static struct servent s;
	static char sname[64], sproto[8];
	static char *aliases[1];
	int port = services_lookup(name, proto);
	if (port < 0)
		return 0;
	snprintf(sname, sizeof sname, "%s", name);
	snprintf(sproto, sizeof sproto, "%s", proto ? proto : "tcp");
	s.s_name = sname;
	s.s_aliases = aliases;
	s.s_port = htons((uint16_t)port);
	s.s_proto = sproto;
	return &s;
}

const char *hstrerror(int e) {
	switch (e) {
	case HOST_NOT_FOUND: return "Unknown host";
	case TRY_AGAIN: return "Host name lookup failure";
	case NO_RECOVERY: return "Unknown server error";
	case NO_DATA: return "No address associated with name";
	default: return "Resolver error";
	}
}

struct hostent *gethostbyaddr(const void *addr, socklen_t len, int type) {
	static struct hostent h;
	static struct in_addr a;
	static char *addrs[2];
	static char *aliases[1];
	static char hname[256];
	int herr;
	if (type != AF_INET || len != 4) {
		h_errno = NO_RECOVERY;
		return 0;
	}
	memcpy(&a, addr, 4);
	herr = reverse(a, hname, sizeof hname);
	if (herr) {
		h_errno = herr;
		return 0;
	}
	addrs[0] = (char *)&a;
	addrs[1] = 0;
	aliases[0] = 0;
	h.h_name = hname;
	h.h_aliases = aliases;
	h.h_addrtype = AF_INET;
	h.h_length = 4;
	h.h_addr_list = addrs;
	return &h;
}
