/*
 * setjmp.c — setjmp and longjmp over the `rumpsim` imports of the same names, which
 * unwind and rewind the stack with Asyncify (wasm/asyncify.ts keeps a copy of the stack
 * per jmp_buf and puts it back).
 *
 * Rules: Asyncify does not save globals, so the shadow-stack pointer (the global
 * __stack_pointer, read and written here with inline assembly) is kept in the jmp_buf at
 * setjmp and put back when setjmp returns from a longjmp. These functions have no frame
 * of their own on the shadow stack, so the pointer they see is their caller's. The
 * imports are Asyncify imports (cli/cc.ts lists them), so every function on the way is
 * instrumented.
 */
#include <setjmp.h>

#include "rumpsim_imports.h"

static inline unsigned long stack_pointer(void) {
	unsigned long sp;
	__asm__ volatile(".globaltype __stack_pointer, i32\n"
	    "\tglobal.get __stack_pointer\n"
	    "\tlocal.set %0" : "=r"(sp));
	return sp;
}

static inline void set_stack_pointer(unsigned long sp) {
	__asm__ volatile(".globaltype __stack_pointer, i32\n"
	    "\tlocal.get %0\n"
	    "\tglobal.set __stack_pointer" : : "r"(sp));
}

int setjmp(jmp_buf env) {
	int r;
	env->__sp = stack_pointer();
	r = __rumpsim_setjmp(env, env->__sp);
	if (r)
		set_stack_pointer(env->__sp);
	return r;
}

int _setjmp(jmp_buf env) {
	int r;
	env->__sp = stack_pointer();
	r = __rumpsim_setjmp(env, env->__sp);
	if (r)
		set_stack_pointer(env->__sp);
	return r;
}

int sigsetjmp(sigjmp_buf env, int savemask) {
	int r;
	(void)savemask;
	env->__sp = stack_pointer();
	r = __rumpsim_setjmp(env, env->__sp);
	if (r)
		set_stack_pointer(env->__sp);
	return r;
}

void longjmp(jmp_buf env, int val) {
	__rumpsim_longjmp(env, val, stack_pointer());
	__builtin_trap(); /* not reached: the import unwinds, or ends the program */
}

void _longjmp(jmp_buf env, int val) {
	longjmp(env, val);
}

void siglongjmp(sigjmp_buf env, int val) {
	longjmp(env, val);
}
