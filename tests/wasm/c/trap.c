/* trap.c — ends in a trap of the kind argv[1] names: unreachable, oob (an access outside
 * linear memory), stack (recursion until the stack is gone). */
#include <stdio.h>
#include <string.h>

static volatile int depth;

static int recurse(int n) {
	volatile char pad[4096];
	if (n < 0)
		return 0;
	pad[n % 4096] = (char)n;
	depth++;
	return recurse(n + 1) + pad[0];
}

int main(int argc, char **argv) {
	const char *what = argc > 1 ? argv[1] : "unreachable";
	printf("trapping: %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "oob"))
		return *(volatile int *)0xfffffff0u;
	if (!strcmp(what, "stack"))
		return recurse(0);
	__builtin_trap();
}
