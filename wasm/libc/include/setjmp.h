/*
 * setjmp.h (rumpsim overlay; wasi-libc has none: WebAssembly cannot jump back up its
 * stack without exception handling) — setjmp and longjmp that really jump, on the
 * Asyncify instrumentation every program built by `deno task cc` has (wasm/asyncify.ts,
 * wasm/libc/setjmp.c): setjmp keeps a copy of the program's stack, longjmp puts it back,
 * and setjmp returns a second time with longjmp's value (1 for 0).
 *
 * As C says: locals of the function that called setjmp that changed since have
 * indeterminate values unless they are volatile; longjmp to a function that has returned
 * is undefined (here: the program ends with a line on stderr and status 134 when it is
 * seen). sigsetjmp/siglongjmp are setjmp/longjmp: there is no signal mask to keep.
 */
#ifndef _RUMPSIM_SETJMP_H
#define _RUMPSIM_SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

/* The shadow-stack pointer at setjmp, the generation the loader gave the buffer. */
typedef struct {
	unsigned long __sp;
	unsigned long __gen;
	unsigned long __spare[2];
} jmp_buf[1];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf) __attribute__((__returns_twice__));
int _setjmp(jmp_buf) __attribute__((__returns_twice__));
int sigsetjmp(sigjmp_buf, int) __attribute__((__returns_twice__));
_Noreturn void longjmp(jmp_buf, int);
_Noreturn void _longjmp(jmp_buf, int);
_Noreturn void siglongjmp(sigjmp_buf, int);

#ifdef __cplusplus
}
#endif

#endif
