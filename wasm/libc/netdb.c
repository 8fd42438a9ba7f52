/*
 * netdb.c — name and service lookup for a WebAssembly program: getaddrinfo,
 * freeaddrinfo, gai_strerror, getnameinfo, gethostbyname, gethostbyaddr (the first name
 * /etc/hosts gives the address), getservbyname, hstrerror, and
 * inet_addr/inet_aton/inet_ntoa, which wasi-libc hides.
 *
 * Rules: IPv4 only. A host is a dotted quad, or a name in /etc/hosts (the POSIX image
 * writes localhost and the user network's names there); a NULL host is the loopback
 * address, or INADDR_ANY with AI_PASSIVE. A service is a number or a name in
 * /etc/services. With no socktype asked for, one address per stream and datagram type
 * is returned, as other libcs do.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Looks `name` up in /etc/hosts; 1 and the address when found. */
static int hosts_lookup(const char *name, struct in_addr *out) {
	FILE *f = fopen("/etc/hosts", "r");
	char line[512];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#');
		char *tok, *save;
		struct in_addr a;
		if (hash)
			*hash = '\0';
		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || !inet_aton(tok, &a))
			continue;
		while ((tok = strtok_r(0, " \t\r\n", &save)) != 0) {
			if (strcasecmp(tok, name) == 0) {
				*out = a;
				found = 1;
				break;
			}
		}
	}
	fclose(f);
	return found;
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
	struct in_addr addr;
	int port = 0, flags = hints ? hints->ai_flags : 0;
	int family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0;
	int protocol = hints ? hints->ai_protocol : 0;
	int types[2], ntypes = 0, i;
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
	if (!host) {
		addr.s_addr = htonl(flags & AI_PASSIVE ? INADDR_ANY : INADDR_LOOPBACK);
	} else if (!inet_aton(host, &addr)) {
		if (flags & AI_NUMERICHOST)
			return EAI_NONAME;
		if (!hosts_lookup(host, &addr))
			return EAI_NONAME;
	}
	if (socktype) {
		types[ntypes++] = socktype;
	} else {
		types[ntypes++] = SOCK_STREAM;
		types[ntypes++] = SOCK_DGRAM;
	}
	for (i = 0; i < ntypes; i++) {
		struct ai_block *b = calloc(1, sizeof *b);
		if (!b) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		b->sin.sin_family = AF_INET;
		b->sin.sin_port = htons((uint16_t)port);
		b->sin.sin_addr = addr;
		b->ai.ai_family = AF_INET;
		b->ai.ai_socktype = types[i];
		b->ai.ai_protocol = protocol ? protocol :
		    types[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		b->ai.ai_addrlen = sizeof b->sin;
		b->ai.ai_addr = (struct sockaddr *)&b->sin;
		if (i == 0 && (flags & AI_CANONNAME) && host)
			b->ai.ai_canonname = strdup(host);
		*tail = &b->ai;
		tail = &b->ai.ai_next;
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

int getnameinfo(const struct sockaddr *__restrict sa, socklen_t salen, char *__restrict host,
    socklen_t hostlen, char *__restrict serv, socklen_t servlen, int flags) {
	const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
	if (salen < sizeof *sin || sin->sin_family != AF_INET)
		return EAI_FAMILY;
	if (flags & NI_NAMEREQD)
		return EAI_NONAME; /* no reverse lookup */
	if (host && hostlen) {
		if ((socklen_t)snprintf(host, hostlen, "%s", inet_ntoa(sin->sin_addr)) >= hostlen)
			return EAI_OVERFLOW;
	}
	if (serv && servlen) {
		if ((socklen_t)snprintf(serv, servlen, "%u", ntohs(sin->sin_port)) >= servlen)
			return EAI_OVERFLOW;
	}
	return 0;
}

struct hostent *gethostbyname(const char *name) {
	static struct hostent h;
	static struct in_addr addr;
	static char *addrs[2];
	static char *aliases[1];
	static char hname[256];
	if (!inet_aton(name, &addr) && !hosts_lookup(name, &addr)) {
		h_errno = HOST_NOT_FOUND;
		return 0;
	}
	snprintf(hname, sizeof hname, "%s", name);
	addrs[0] = (char *)&addr;
	addrs[1] = 0;
	aliases[0] = 0;
	h.h_name = hname;
	h.h_aliases = aliases;
	h.h_addrtype = AF_INET;
	h.h_length = 4;
	h.h_addr_list = addrs;
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
	FILE *f;
	char line[512];
	int found = 0;
	if (type != AF_INET || len != 4) {
		h_errno = NO_RECOVERY;
		return 0;
	}
	memcpy(&a, addr, 4);
	f = fopen("/etc/hosts", "r");
	while (f && !found && fgets(line, sizeof line, f)) {
		char *save, *tok, *hash = strchr(line, '#');
		struct in_addr b;
		if (hash)
			*hash = '\0';
		tok = strtok_r(line, " \t\r\n", &save);
		if (!tok || !inet_aton(tok, &b) || b.s_addr != a.s_addr)
			continue;
		tok = strtok_r(0, " \t\r\n", &save);
		if (tok) {
			snprintf(hname, sizeof hname, "%s", tok);
			found = 1;
		}
	}
	if (f)
		fclose(f);
	if (!found) {
		h_errno = HOST_NOT_FOUND;
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
