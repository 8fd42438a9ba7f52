/*
 * syslog.c — syslog(3) to the console: each message is one line `ident[pid]: message` on
 * standard error (%m is strerror(errno)); messages outside the mask are dropped.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_ident = "syslog";
static int log_opts;
static int log_mask = 0xff;

void openlog(const char *ident, int opts, int facility) {
	(void)facility;
	if (ident)
		log_ident = ident;
	log_opts = opts;
}

void closelog(void) {}

int setlogmask(int mask) {
	int old = log_mask;
	if (mask)
		log_mask = mask;
	return old;
}

void vsyslog(int pri, const char *fmt, va_list ap) {
	char msg[1024], expanded[1024];
	const char *p;
	size_t o = 0;
	int saved = errno;
	if (!(LOG_MASK(LOG_PRI(pri)) & log_mask))
		return;
	for (p = fmt; *p && o + 1 < sizeof expanded; p++) {
		if (p[0] == '%' && p[1] == 'm') {
			const char *s = strerror(saved);
			size_t n = strlen(s);
			if (n > sizeof expanded - 1 - o)
				n = sizeof expanded - 1 - o;
			memcpy(expanded + o, s, n);
			o += n;
			p++;
		} else {
			expanded[o++] = *p;
		}
	}
	expanded[o] = '\0';
	vsnprintf(msg, sizeof msg, expanded, ap);
	if (log_opts & LOG_PID)
		fprintf(stderr, "%s[%d]: %s\n", log_ident, (int)getpid(), msg);
	else
		fprintf(stderr, "%s: %s\n", log_ident, msg);
}

void syslog(int pri, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}
