/*
 * jumps.c — setjmp and longjmp that really jump: nested buffers, out of a deep recursion
 * (the shadow stack comes back: a thousand jumps do not leak it), 0 turned into 1, across
 * blocking calls (nanosleep, a pipe read) and with blocking calls still working after,
 * the classic error-recovery pattern, sigsetjmp/_setjmp; with `stale` or `unset`, a
 * longjmp that cannot be done ends the program with a line.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static jmp_buf outer, inner;
static int depth_reached;

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static __attribute__((noinline)) unsigned long here(void) {
	volatile char c = 0;
	volatile unsigned long a = (unsigned long)&c;
	return a;
}

static void nested(void) {
	volatile int step = 0;
	int r = setjmp(outer);
	if (r == 0) {
		step = 1;
		r = setjmp(inner);
		if (r == 0) {
			step = 2;
			longjmp(inner, 7);
		}
		CHECK(r == 7 && step == 2);
		step = 3;
		longjmp(outer, 9);
	}
	CHECK(r == 9 && step == 3);
	printf("ok nested\n");
}

static void recurse(int n, jmp_buf env) {
	volatile char frame[256];
	frame[0] = (char)n;
	depth_reached = n;
	if (n == 500)
		longjmp(env, n);
	recurse(n + 1, env);
	CHECK(frame[0] == (char)n); /* not reached */
}

static void deep(void) {
	jmp_buf env;
	unsigned long before = here();
	int i;
	for (i = 0; i < 1000; i++) {
		int r = setjmp(env);
		if (r == 0)
			recurse(0, env);
		CHECK(r == 500 && depth_reached == 500);
	}
	/* 1000 jumps out of 500 frames of 256 bytes would be 128 MB of leaked stack. */
	CHECK(here() == before);
	printf("ok deep recursion, stack pointer back\n");
}

static void zero(void) {
	jmp_buf env;
	volatile int times = 0;
	int r = setjmp(env);
	times++;
	if (times == 1) {
		CHECK(r == 0);
		longjmp(env, 0);
	}
	CHECK(r == 1 && times == 2);
	printf("ok longjmp(env, 0) returns 1\n");
}

static void blocking(void) {
	jmp_buf env;
	int fds[2];
	char buf[8];
	volatile double t0 = now();
	struct timespec ms100 = { 0, 100000000 };
	CHECK(pipe(fds) == 0);
	if (setjmp(env) == 0) {
		CHECK(nanosleep(&ms100, 0) == 0);
		CHECK(write(fds[1], "abc", 3) == 3);
		CHECK(read(fds[0], buf, sizeof buf) == 3);
		CHECK(nanosleep(&ms100, 0) == 0);
		longjmp(env, 1);
	}
	/* After the jump: blocking calls still suspend the program on its fiber. */
	CHECK(nanosleep(&ms100, 0) == 0);
	CHECK(write(fds[1], "de", 2) == 2);
	CHECK(read(fds[0], buf, sizeof buf) == 2 && memcmp(buf, "de", 2) == 0);
	close(fds[0]);
	close(fds[1]);
	printf("ok across blocking calls: %.3f s\n", now() - t0);
}

static jmp_buf parse_error;

static void fail(const char *why) {
	(void)why;
	longjmp(parse_error, 1);
}

static int digit(char c) {
	if (c < '0' || c > '9')
		fail("not a digit");
	return c - '0';
}

static int sum(const char *s) {
	int t = 0;
	for (; *s; s++)
		t += digit(*s);
	return t;
}

static void recovery(void) {
	const char *inputs[] = { "123", "4x5", "", "99", "a" };
	volatile int good = 0, bad = 0, total = 0;
	volatile unsigned i;
	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		if (setjmp(parse_error)) {
			bad++;
			continue;
		}
		total += sum(inputs[i]);
		good++;
	}
	CHECK(good == 3 && bad == 2 && total == 24);
	printf("ok error recovery: %d good, %d bad\n", good, bad);
}

static void variants(void) {
	sigjmp_buf s;
	jmp_buf j;
	int r = sigsetjmp(s, 1);
	if (r == 0)
		siglongjmp(s, 3);
	CHECK(r == 3);
	r = _setjmp(j);
	if (r == 0)
		_longjmp(j, 4);
	CHECK(r == 4);
	printf("ok sigsetjmp, _setjmp\n");
}

static jmp_buf gone;

static void returns(void) {
	volatile char frame[64];
	frame[0] = 1;
	if (setjmp(gone))
		printf("FAIL came back into a returned function\n");
	(void)frame[0];
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "stale") == 0) {
		returns();
		longjmp(gone, 1);
	}
	if (argc > 1 && strcmp(argv[1], "unset") == 0) {
		jmp_buf never;
		memset(never, 0, sizeof never);
		longjmp(never, 1);
	}
	nested();
	deep();
	zero();
	blocking();
	recovery();
	variants();
	return 0;
}
