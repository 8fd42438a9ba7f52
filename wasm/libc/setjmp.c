/*
 * setjmp.c — longjmp for the overlay's setjmp.h: there is nowhere to jump to (setjmp
 * recorded nothing), so the program ends with a line on stderr and a trap (status 139).
 */
#include <setjmp.h>
#include <unistd.h>

static _Noreturn void no_jump(void) {
	static const char msg[] = "longjmp: not supported in WebAssembly here: ending the program\n";
	write(2, msg, sizeof msg - 1);
	__builtin_trap();
}

void longjmp(jmp_buf env, int val) {
	(void)env;
	(void)val;
	no_jump();
}

void _longjmp(jmp_buf env, int val) {
	(void)env;
	(void)val;
	no_jump();
}

void siglongjmp(sigjmp_buf env, int val) {
	(void)env;
	(void)val;
	no_jump();
}
