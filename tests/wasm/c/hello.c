/* hello.c — argv, env, stdout and the exit status of a WebAssembly program. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int i;
	printf("hello from wasm: argc=%d pid=%d", argc, (int)getpid());
	for (i = 0; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf(" HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");
	return argc > 1 ? atoi(argv[argc - 1]) : 0;
}
